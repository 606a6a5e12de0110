// From a token to the node's own certificate. The CA is fetched without trusting the server, then
// checked against the hash the K10 token carries; only a server that passes that check ever sees a
// secret. Credentials are kept in <data-dir>/agent and reused on restart, so a node that joined
// with a join token keeps working after the token expires.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { mkdir, readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
// Straight from the modules, not pki/index.ts: the agent needs no certificate-issuing code.
import { caHash, parseToken } from '../pki/token.js';
import { RENEW_WITHIN_DAYS } from '../pki/validity.js';
import { writeFileAtomic } from '../pki/files.js';
import { CACERTS_PATH, JOIN_PATH, nodeUserPrefix, type JoinResponse } from '../join/protocol.js';

export class JoinError extends Error {}

export interface NodeCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export function agentCredentialPaths(dataDir: string) {
  const dir = join(dataDir, 'agent');
  return { dir, ca: join(dir, 'server-ca.crt'), cert: join(dir, 'client-kubelet.crt'), key: join(dir, 'client-kubelet.key') };
}

export interface Answer {
  status: number;
  body: string;
}

export function call(url: URL, opts: RequestOptions & { body?: string }, timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...opts, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function explainNetworkError(server: string, err: NodeJS.ErrnoException): JoinError {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return new JoinError(`cannot reach the server at ${server}: connection refused; is "k3ts server" running there, and is the port right?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new JoinError(`cannot resolve the server's host name in ${server}; check --server`);
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new JoinError(`cannot reach the server at ${server} (${code}); check the address and that a firewall lets TCP to its port through`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new JoinError(`the server's certificate is not valid for the name in ${server}; add it on the server with --tls-san ${new URL(server).hostname} (and restart it), or use an address the certificate lists`);
  }
  return new JoinError(`cannot talk to the server at ${server}: ${err.message}`);
}

export function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string };
    if (s.message) return s.message;
  } catch {
    // not a Status
  }
  return body.trim() || 'no reason given';
}

async function readSaved(dataDir: string, nodeName: string, wantCaHash: string | undefined): Promise<NodeCredentials | undefined> {
  const p = agentCredentialPaths(dataDir);
  let saved: NodeCredentials;
  try {
    saved = { caPem: await readFile(p.ca, 'utf8'), certPem: await readFile(p.cert, 'utf8'), keyPem: await readFile(p.key, 'utf8') };
  } catch {
    return undefined;
  }
  if (wantCaHash && caHash(saved.caPem) !== wantCaHash) return undefined; // the cluster changed: join again
  try {
    const cert = new X509Certificate(saved.certPem);
    const renewAt = new Date(cert.validTo).getTime() - RENEW_WITHIN_DAYS * 86_400_000;
    if (!cert.subject.split('\n').includes(`CN=${nodeUserPrefix}${nodeName}`) || Date.now() > renewAt) return undefined;
  } catch {
    return undefined;
  }
  return saved;
}

export interface ObtainOptions {
  server: string;
  token: string;
  nodeName: string;
  nodePassword: string;
  dataDir: string;
  log?(msg: string, fields?: Record<string, unknown>): void;
}

export async function obtainNodeCredentials(o: ObtainOptions): Promise<NodeCredentials> {
  let token;
  try {
    token = parseToken(o.token);
  } catch (err) {
    throw new JoinError(`--token: ${(err as Error).message}`);
  }
  const saved = await readSaved(o.dataDir, o.nodeName, token.caHash);
  if (saved) return saved;

  const base = new URL(o.server);
  let caAnswer: Answer;
  try {
    // Not trusted yet: this is exactly what the token's hash is about to check.
    caAnswer = await call(new URL(CACERTS_PATH, base), { method: 'GET', rejectUnauthorized: false });
  } catch (err) {
    throw explainNetworkError(o.server, err as NodeJS.ErrnoException);
  }
  if (caAnswer.status !== 200 || !caAnswer.body.includes('BEGIN CERTIFICATE')) {
    throw new JoinError(`${o.server} did not hand out a CA certificate (HTTP ${caAnswer.status}); is it a k3ts server?`);
  }
  const caPem = caAnswer.body;
  if (token.caHash) {
    const got = caHash(caPem);
    if (got !== token.caHash) {
      throw new JoinError(
        `the server at ${o.server} is not the cluster this token belongs to: its CA hash is ${got.slice(0, 12)}…, the token pins ${token.caHash.slice(0, 12)}…. ` +
          'The token comes from another cluster, or the server was reinstalled and has a new CA; take the current token from the server (<data-dir>/server/token, or "k3ts token create"). Nothing secret was sent.',
      );
    }
  } else {
    o.log?.('the token carries no CA hash, so the server CA is trusted on first use; a K10… token pins it', { server: o.server });
  }

  let answer: Answer;
  try {
    answer = await call(new URL(JOIN_PATH, base), {
      method: 'POST',
      ca: caPem,
      headers: { authorization: `Bearer ${token.password}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nodeName: o.nodeName, nodePassword: o.nodePassword }),
    });
  } catch (err) {
    throw explainNetworkError(o.server, err as NodeJS.ErrnoException);
  }
  if (answer.status !== 200) throw new JoinError(`the server refused to let node "${o.nodeName}" join: ${statusMessage(answer.body)}`);
  const joined = JSON.parse(answer.body) as JoinResponse;
  const p = agentCredentialPaths(o.dataDir);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(p.ca, joined.serverCa, 0o644);
  await writeFileAtomic(p.key, joined.key, 0o600);
  await writeFileAtomic(p.cert, joined.certificate, 0o644);
  return { caPem: joined.serverCa, certPem: joined.certificate, keyPem: joined.key };
}
