// The existing server's half of a server join: the joiner proves the server token (join tokens are
// for agents and are refused here), is added to etcd as a learner, and gets the cluster's shared
// files (CAs, the ServiceAccount key, encryption keys, the etcd CA) over TLS it already checked
// against the token's CA hash. Nothing is written to the datastore before the token passed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { ApiError, errors } from '../../apiserver/errors.js';
import { readBody } from '../../apiserver/http/body.js';
import { sendJson } from '../../apiserver/http/respond.js';
import { parseToken } from '../../pki/token.js';
import { readIfExists } from '../../pki/files.js';
import type { EtcdAdmin } from '../../storage/etcd/etcd-admin.js';
import { EtcdError } from '../../storage/etcd/etcd-client.js';
import type { ServerJoinRequest, ServerJoinResponse } from '../../join/protocol.js';
import { OPTIONAL_SHARED_FILES, SHARED_SERVER_FILES } from '../bootstrap-data.js';
import { evenMembersWarning } from './quorum.js';

export interface ServerJoinHandlerOptions {
  admin: EtcdAdmin;
  dataDir: string;
  /** Passwords of the server token(s). */
  serverPasswords: string[];
  log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

const memberName = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkServerToken(header: string | undefined, passwords: string[]): void {
  const credential = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  let password: string | undefined;
  try {
    const parsed = credential ? parseToken(credential) : undefined;
    password = parsed && !parsed.bootstrap ? parsed.password : undefined;
  } catch {
    password = undefined;
  }
  if (!password || !passwords.some((p) => sameSecret(p, password!))) {
    throw new ApiError(401, 'Unauthorized', 'a server joins with the server token (the first server\'s <data-dir>/server/token); join tokens are for agents');
  }
}

function parseRequest(body: Buffer): ServerJoinRequest {
  let r: Partial<ServerJoinRequest>;
  try {
    r = JSON.parse(body.toString('utf8')) as Partial<ServerJoinRequest>;
  } catch {
    throw errors.badRequest('the server join request must be JSON: {"name": ..., "peerURL": ...}');
  }
  if (typeof r?.name !== 'string' || !memberName.test(r.name)) throw errors.badRequest(`invalid etcd member name ${JSON.stringify(r?.name ?? '')}`);
  let url: URL | undefined;
  try {
    url = typeof r.peerURL === 'string' ? new URL(r.peerURL) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || !url.port || url.pathname !== '/') throw errors.badRequest(`invalid etcd peer URL ${JSON.stringify(r.peerURL ?? '')}: use https://<address>:<port>`);
  return { name: r.name, peerURL: r.peerURL! };
}

export function createServerJoinHandler(o: ServerJoinHandlerOptions) {
  // One join at a time: etcd takes one learner at a time, and the answers must not interleave.
  let busy: Promise<unknown> = Promise.resolve();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') throw errors.methodNotAllowed();
    checkServerToken(req.headers.authorization, o.serverPasswords);
    const want = parseRequest(await readBody(req, 16 * 1024));
    const turn = busy.then(() => addMember(o, want));
    busy = turn.catch(() => undefined);
    sendJson(req, res, 200, await turn);
  };
}

async function addMember(o: ServerJoinHandlerOptions, want: ServerJoinRequest): Promise<ServerJoinResponse> {
  try {
    const before = await o.admin.memberList();
    const samePeer = before.find((m) => m.peerURLs.includes(want.peerURL));
    if (before.some((m) => m.name === want.name && !m.peerURLs.includes(want.peerURL))) {
      throw new ApiError(409, 'AlreadyExists', `an etcd member named "${want.name}" already exists at another address; remove its data dir or pick another node name`);
    }
    if (samePeer) {
      // The same address joining again with an empty data dir (reinstalled server): its old
      // membership is stale and would keep the new etcd out.
      if (samePeer.name && samePeer.name !== want.name) {
        throw new ApiError(409, 'AlreadyExists', `etcd member "${samePeer.name}" already uses ${want.peerURL}; stop it or remove it first`);
      }
      await o.admin.remove(samePeer.ID);
      o.log('info', 'removed the stale etcd member of a server joining again', { member: want.name, peerURL: want.peerURL });
    }
    const added = await o.admin.addLearner(want.peerURL);
    const files: Record<string, string> = {};
    for (const f of [...SHARED_SERVER_FILES, ...OPTIONAL_SHARED_FILES]) {
      const text = await readIfExists(join(o.dataDir, 'server', f));
      if (text) files[f] = text.toString('utf8');
    }
    const voters = added.members.length;
    o.log('info', 'added an etcd member (learner until it has caught up)', { member: want.name, peerURL: want.peerURL, members: voters });
    const warning = evenMembersWarning(voters);
    if (warning) o.log('warn', warning);
    return {
      memberId: added.member.ID,
      members: added.members.map((m) => ({ id: m.ID, name: m.ID === added.member.ID ? '' : m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs })),
      files,
    };
  } catch (err) {
    if (err instanceof EtcdError) {
      // "too many learner members": another server is still catching up; the joiner retries.
      throw new ApiError(503, 'ServiceUnavailable', `etcd could not add the member: ${err.details || err.code}`);
    }
    throw err;
  }
}
