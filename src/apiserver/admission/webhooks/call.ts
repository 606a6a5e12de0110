// One POST of an AdmissionReview to a webhook over HTTPS, verified with the webhook's CA bundle
// (or the system's roots), bounded by its timeout. Transport failures come back as CallFailure
// with the text upstream's Go client would print, since users search for those messages.
import { Agent, request } from 'node:https';

/** The webhook could not be called or answered nonsense: its failurePolicy decides. */
export class CallFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallFailure';
  }
}

export interface WebhookTarget {
  /** The URL as the webhook is known (`https://<svc>.<ns>.svc:443/path` for a Service). */
  url: URL;
  /** The address actually dialled, when not the URL's host (a Service's endpoint). */
  connect?: { host: string; port: number };
  ca?: string;
}

/** Go's wording for the usual dial and TLS errors. */
function describe(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${host}:${port}: connect: connection refused`;
    case 'ECONNRESET':
      return `read tcp ${host}:${port}: read: connection reset by peer`;
    case 'EHOSTUNREACH':
      return `dial tcp ${host}:${port}: connect: no route to host`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${host}: no such host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: ${err.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')}`;
    default:
      return err.message;
  }
}

const MAX_RESPONSE_BYTES = 3 * 1024 * 1024;

// Connections are kept and reused, as upstream's client does: a TLS handshake per call cost more
// than the call itself. The agent pools by address, CA and server name, so webhooks with different
// trust never share a connection; idle sockets do not keep the process alive.
const agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, scheduling: 'lifo' });

/** Posts `body`; resolves with the parsed JSON answer. */
export function postReview(target: WebhookTarget, body: string, timeoutSeconds: number): Promise<unknown> {
  const url = new URL(target.url);
  url.searchParams.set('timeout', `${timeoutSeconds}s`);
  const shown = `Post "${url.toString()}"`;
  const host = target.connect?.host ?? url.hostname.replace(/^\[|\]$/g, '');
  const port = target.connect?.port ?? (url.port ? Number(url.port) : 443);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new CallFailure(why));
    };
    const req = request({
      host,
      port,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      // A Service is verified under its DNS name, whatever address it was reached at.
      servername: target.connect ? url.hostname : undefined,
      ...(target.ca !== undefined ? { ca: target.ca } : {}),
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      agent,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) fail(`failed to call webhook: ${shown}: response larger than ${MAX_RESPONSE_BYTES} bytes`);
        else chunks.push(c);
      });
      res.on('error', (err) => fail(`failed to call webhook: ${shown}: ${describe(err, host, port)}`));
      res.on('end', () => {
        if (settled) return;
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          fail(`failed to call webhook: the server responded with the status code ${status} but did not return more information`);
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          fail(`failed to call webhook: couldn't get version/kind; json parse error: ${(err as Error).message}`);
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(parsed);
      });
    });
    const timer = setTimeout(() => fail(`failed to call webhook: ${shown}: context deadline exceeded`), timeoutSeconds * 1000);
    req.on('error', (err) => fail(`failed to call webhook: ${shown}: ${describe(err as NodeJS.ErrnoException, host, port)}`));
    req.end(body);
  });
}
