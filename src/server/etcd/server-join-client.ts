// The joining server's half: check the existing server against the token's CA hash (as an agent
// does), then ask to be added to etcd. Every refusal is one line that says what to fix; nothing
// local is written before the existing server said yes.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, explainNetworkError, JoinError, statusMessage, type Answer } from '../../agent/credentials.js';
import { CACERTS_PATH, SERVER_JOIN_PATH, type ServerJoinResponse } from '../../join/protocol.js';
import { caHash, parseToken } from '../../pki/token.js';
import { writeFileAtomic } from '../../pki/files.js';

export interface ServerJoinOptions {
  server: string;
  token: string;
  name: string;
  peerURL: string;
  log(msg: string, fields?: Record<string, unknown>): void;
  /** How long to keep asking while the cluster takes another member in. Default 60 s. */
  retryForMs?: number;
}

export async function requestServerJoin(o: ServerJoinOptions): Promise<ServerJoinResponse> {
  let token;
  try {
    token = parseToken(o.token);
  } catch (err) {
    throw new JoinError(`--token: ${(err as Error).message}`);
  }
  if (token.bootstrap) throw new JoinError('--token: a join token (from "k3ts token create") lets agents join; a server needs the server token (<data-dir>/server/token on the first server)');
  const base = new URL(o.server);
  const ask = async (path: string, opts: Parameters<typeof call>[1]): Promise<Answer> => {
    try {
      return await call(new URL(path, base), opts, 30_000);
    } catch (err) {
      throw explainNetworkError(o.server, err as NodeJS.ErrnoException);
    }
  };
  const ca = await ask(CACERTS_PATH, { method: 'GET', rejectUnauthorized: false });
  if (ca.status !== 200 || !ca.body.includes('BEGIN CERTIFICATE')) throw new JoinError(`${o.server} did not hand out a CA certificate (HTTP ${ca.status}); is it a k3ts server?`);
  if (token.caHash && caHash(ca.body) !== token.caHash) {
    throw new JoinError(`the server at ${o.server} belongs to another cluster than this token (its CA hash differs from the one the token pins); take the token from that server's <data-dir>/server/token. Nothing secret was sent.`);
  }
  if (!token.caHash) o.log('the token carries no CA hash, so the server CA is trusted on first use; a K10… token pins it', { server: o.server });
  const deadline = Date.now() + (o.retryForMs ?? 60_000);
  for (;;) {
    const answer = await ask(SERVER_JOIN_PATH, {
      method: 'POST',
      ca: ca.body,
      headers: { authorization: `Bearer ${token.password}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: o.name, peerURL: o.peerURL }),
    });
    if (answer.status === 200) return JSON.parse(answer.body) as ServerJoinResponse;
    if (answer.status === 404) throw new JoinError(`${o.server} runs no managed etcd (it was not started with --cluster-init); to share its datastore, start this server with the same --datastore-endpoint instead of --server`);
    if (answer.status === 503 && Date.now() < deadline) {
      o.log('the cluster is taking in another member; asking again', { reason: statusMessage(answer.body) });
      await sleep(2000);
      continue;
    }
    throw new JoinError(`${o.server} refused to let this server join: ${statusMessage(answer.body)}`);
  }
}

/** Writes the cluster's shared files the existing server handed out. */
export async function writeJoinFiles(dataDir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    if (rel.includes('..')) continue;
    const path = join(dataDir, 'server', rel);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, text, rel.endsWith('.crt') ? 0o644 : 0o600);
  }
}
