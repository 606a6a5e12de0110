import { createHash, randomBytes } from 'node:crypto';
import { ensureMode, readIfExists, writeFileAtomic } from './files.js';

// Token forms, as K3s accepts them for --token:
//   secure:    K10<sha256 hex of the server CA PEM file>::<username>:<password>
//              K10<hash>::<bootstrap token>           (credentials without a user name)
//   bootstrap: [a-z0-9]{6}.[a-z0-9]{16}               (Kubernetes bootstrap token, a bearer token)
//   bare:      anything else, the password alone ("short" token: no CA pinning)

export type TokenForm = 'secure' | 'bootstrap' | 'bare';

export interface ParsedToken {
  form: TokenForm;
  /** Hex SHA-256 the server's CA must hash to; only in the secure form. */
  caHash?: string;
  /** `server` for the server token; absent when the token carries no user name. */
  username?: string;
  /** The secret to present: a password, or the whole bootstrap token. */
  password: string;
  /** Set when the credential is a bootstrap token. */
  bootstrap?: { id: string; secret: string };
}

// The prefix is case-sensitive, as K3s matches it: `k10…` is not a secure token, just a bare secret.
const SECURE = /^K10([0-9a-fA-F]{64})::(.+)$/;
const BOOTSTRAP = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const SERVER_USERNAME = 'server';

/** SHA-256 (hex) of the CA certificate file's exact bytes, as agents recompute it from /cacerts. */
export function caHash(pem: string | Buffer): string {
  return createHash('sha256').update(pem).digest('hex');
}

export function formatSecureToken(options: { caHash: string; username?: string; password: string }): string {
  const credentials = options.username ? `${options.username}:${options.password}` : options.password;
  return `K10${options.caHash.toLowerCase()}::${credentials}`;
}

/** 32 hex characters (128 bits), safe to pass on a command line unquoted. */
export function generateTokenSecret(): string {
  return randomBytes(16).toString('hex');
}

function parseCredentials(text: string): Omit<ParsedToken, 'form' | 'caHash'> {
  const bootstrap = BOOTSTRAP.exec(text);
  if (bootstrap) return { password: text, bootstrap: { id: bootstrap[1]!, secret: bootstrap[2]! } };
  const colon = text.indexOf(':');
  if (colon > 0 && colon < text.length - 1) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  return { password: text };
}

/** Throws one line with the fix when the text cannot be a token. */
export function parseToken(text: string): ParsedToken {
  const token = text.trim();
  if (!token) throw new Error('empty token; pass the contents of <data-dir>/server/token from the server');
  const secure = SECURE.exec(token);
  if (secure) return { form: 'secure', caHash: secure[1]!.toLowerCase(), ...parseCredentials(secure[2]!) };
  if (token.startsWith('K10')) {
    throw new Error('malformed K10 token: expected K10<64 hex characters>::<credentials>; copy the whole <data-dir>/server/token file');
  }
  if (/\s/.test(token)) throw new Error('token contains whitespace; quote it or copy it again from <data-dir>/server/token');
  const bootstrap = BOOTSTRAP.exec(token);
  if (bootstrap) return { form: 'bootstrap', password: token, bootstrap: { id: bootstrap[1]!, secret: bootstrap[2]! } };
  return { form: 'bare', password: token };
}

export interface EnsureServerTokenOptions {
  path: string;
  /** The server CA certificate file's bytes. */
  caPem: string | Buffer;
  /** An operator-given `--token` (any form): its password becomes the server's. */
  token?: string;
}

/**
 * Returns the server token, writing it (0600) only when absent or stale: a different `--token`
 * password, or a CA hash that no longer matches the CA file. The password survives a CA change.
 */
export async function ensureServerToken(options: EnsureServerTokenOptions): Promise<{ token: string; written: boolean }> {
  const hash = caHash(options.caPem);
  const existing = (await readIfExists(options.path))?.toString('utf8').trim();
  const current = existing ? parseToken(existing) : undefined;
  const password = options.token ? parseToken(options.token).password : (current?.password ?? generateTokenSecret());
  const token = formatSecureToken({ caHash: hash, username: SERVER_USERNAME, password });
  if (existing === token) {
    await ensureMode(options.path, 0o600);
    return { token, written: false };
  }
  await writeFileAtomic(options.path, `${token}\n`, 0o600);
  return { token, written: true };
}
