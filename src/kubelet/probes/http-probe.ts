// HTTP(S) GET probes, answering as the upstream kubelet does: 200-399 is healthy; a redirect is
// followed only to the same host name (at most 10 times) and one to another host is not followed
// but counted as a success with a warning; certificates are not verified; no connection is kept
// alive; only the first 10 KiB of the body are read, for the event text.
import http from 'node:http';
import https from 'node:https';
import { dialErrorText, exchangeErrorText, joinHostPort } from './net-errors.js';
import { MAX_OUTPUT_BYTES, PROBE_USER_AGENT, type ProbeAttempt } from './types.js';

export interface HttpProbeOptions {
  scheme: string;
  host: string;
  port: number;
  path: string;
  headers: Array<{ name: string; value: string }>;
  timeoutSeconds: number;
}

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DIAL_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);

/** Header values by lower-case name; the probe's own defaults unless the spec sets them. */
function requestHeaders(spec: HttpProbeOptions['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const { name, value } of spec) {
    const k = name.toLowerCase();
    const prior = out[k];
    out[k] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  out['user-agent'] ??= PROBE_USER_AGENT;
  out.accept ??= '*/*';
  // An empty value set on purpose means "send none".
  for (const k of ['user-agent', 'accept']) if (out[k] === '') delete out[k];
  return out;
}

/** The URL as Go prints it in errors: scheme://host:port/path. */
export function probeUrl(o: Pick<HttpProbeOptions, 'scheme' | 'host' | 'port' | 'path'>): string {
  const path = o.path === '' ? '/' : o.path.startsWith('/') ? o.path : `/${o.path}`;
  return `${o.scheme.toLowerCase()}://${joinHostPort(o.host, o.port)}${path}`;
}

export function httpProbe(o: HttpProbeOptions): Promise<ProbeAttempt> {
  const first = new URL(probeUrl(o));
  const headers = requestHeaders(o.headers);
  return new Promise((resolve) => {
    let settled = false;
    let current: http.ClientRequest | undefined;
    let readingBody = false;
    let url = first;
    const finish = (attempt: ProbeAttempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      current?.destroy();
      resolve(attempt);
    };
    // Go's Client.Timeout: one deadline for connecting, every redirect and reading the body.
    const timer = setTimeout(() => {
      if (readingBody) {
        // Upstream treats a body it could not read as an error of the prober, not of the container.
        finish({ result: 'unknown', output: `context deadline exceeded (Client.Timeout or context cancellation while reading body)` });
      } else {
        finish({ result: 'failure', output: `Get "${url.href}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
      }
    }, o.timeoutSeconds * 1000);

    const send = (target: URL, redirects: number) => {
      url = target;
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request(target, { method: 'GET', headers, agent: false, rejectUnauthorized: false });
      current = req;
      let local: string | undefined;
      req.on('socket', (s) => s.once('connect', () => (local = s.localAddress ? joinHostPort(s.localAddress, s.localPort ?? 0) : undefined)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
        const host = target.hostname.replace(/^\[|\]$/g, '');
        const text = DIAL_CODES.has(err.code ?? '') ? dialErrorText(err, host, port) : exchangeErrorText(err, local, joinHostPort(host, port));
        finish({ result: 'failure', output: `Get "${target.href}": ${text}` });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (REDIRECTS.has(status) && location) {
          let next: URL | undefined;
          try {
            next = new URL(location, target);
          } catch {
            next = undefined;
          }
          if (next && next.hostname === first.hostname) {
            res.resume();
            if (redirects + 1 > MAX_REDIRECTS) {
              finish({ result: 'failure', output: `Get "${next.href}": stopped after ${MAX_REDIRECTS} redirects` });
              return;
            }
            send(next, redirects + 1);
            return;
          }
          // Another host: the answer stands as it is (below), reported as a warning.
        }
        readingBody = true;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const body = Buffer.concat(chunks).subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
          if (status >= 200 && status < 300) finish({ result: 'success', output: body });
          else if (status >= 300 && status < 400) finish({ result: 'success', warning: true, output: `Probe terminated redirects, Response body: ${body}` });
          // The body stays out of the failure text, as upstream keeps it (it may hold secrets).
          else finish({ result: 'failure', output: `HTTP probe failed with statuscode: ${status}` });
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_OUTPUT_BYTES) done(); // enough read: the rest is dropped with the connection
        });
        res.on('end', done);
        res.on('error', (err) => finish({ result: 'unknown', output: err.message }));
      });
      req.end();
    };
    send(first, 0);
  });
}
