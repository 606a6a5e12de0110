// Who is calling: a verified client certificate (user = CN, groups = O) or a bearer token from the
// static token table. Anyone else is anonymous and gets 401 outside the few public health paths.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from './token-csv.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
  /** A token from the static table (server token, --token-auth-file), for TokenReview. */
  staticToken?(token: string): UserInfo | undefined;
}

export interface TokenEntry {
  token: string;
  user: UserInfo;
}

/** A bearer token's user, or undefined when this authenticator does not know the token. */
export type BearerAuthenticator = (token: string) => UserInfo | undefined;

export function createAuthenticator(tokens: TokenEntry[], bearers: readonly BearerAuthenticator[] = []): Authenticator {
  const byToken = new Map(tokens.map((t) => [t.token, t.user]));
  // The peer certificate cannot change within a TLS connection, and reading it costs more than
  // serving a GET: remember each connection's identity.
  const certUsers = new WeakMap<TLSSocket, UserInfo | null>();
  const certUser = (socket: TLSSocket): UserInfo | null => {
    let user = certUsers.get(socket);
    if (user === undefined) {
      user = null;
      if (socket.authorized) {
        const subject = socket.getPeerCertificate()?.subject as Record<string, string | string[]> | undefined;
        const cn = subject?.CN;
        if (typeof cn === 'string' && cn !== '') {
          const o = subject?.O;
          user = { name: cn, groups: withAuthenticated(o === undefined ? [] : Array.isArray(o) ? o : [o]) };
        }
      }
      certUsers.set(socket, user);
    }
    return user;
  };
  return {
    staticToken: (token) => byToken.get(token),
    authenticate(req) {
      const user = certUser(req.socket as TLSSocket);
      if (user) return user;
      const header = req.headers.authorization;
      if (!header || !header.startsWith('Bearer ')) return undefined;
      const token = header.slice(7).trim();
      const known = byToken.get(token);
      if (known) return known;
      for (const bearer of bearers) {
        const user = bearer(token);
        if (user) return user;
      }
      return undefined;
    },
  };
}

function withAuthenticated(groups: string[]): string[] {
  return groups.includes('system:authenticated') ? groups : [...groups, 'system:authenticated'];
}

/** Reads a kube-apiserver style token file: `token,user,uid,"group1,group2"` per line. */
export function loadTokenAuthFile(path: string): TokenEntry[] {
  const text = readFileSync(path, 'utf8');
  const entries: TokenEntry[] = [];
  for (const [lineNo, row] of parseCsv(text).entries()) {
    if (row.length === 0 || (row.length === 1 && row[0] === '')) continue;
    if (row.length < 3 || !row[0] || !row[1]) {
      throw new Error(`${path}: line ${lineNo + 1}: expected token,user,uid[,"group1,group2"]`);
    }
    const groups = row[3] ? row[3].split(',').map((g) => g.trim()).filter(Boolean) : [];
    entries.push({ token: row[0], user: { name: row[1], uid: row[2], groups: withAuthenticated(groups) } });
  }
  return entries;
}

/** The cluster token (`--token`, or the secret part of a K10 token) authenticates as a cluster admin,
 *  like a K3s server token, which already grants full control of the cluster. */
export function serverTokenEntries(secret: string | undefined): TokenEntry[] {
  if (!secret) return [];
  const user: UserInfo = { name: 'system:k3ts:server-token', groups: ['system:masters', 'system:authenticated'] };
  const entries: TokenEntry[] = [{ token: secret, user }];
  const m = /^K10[0-9a-f]{64}::[^:]+:(.+)$/.exec(secret);
  if (m) entries.push({ token: m[1], user });
  return entries;
}
