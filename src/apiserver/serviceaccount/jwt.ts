// RS256 JSON Web Tokens with node:crypto alone. A library (jose) would add a dependency for ~50
// lines, and its verification is asynchronous while the authenticator chain is synchronous and
// must cost microseconds; node:crypto signs and verifies synchronously with OpenSSL.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** The key id upstream uses too: the SHA-256 of the public key's DER, so a verifier finds its key. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return b64url(createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest());
}

export function signJwt(claims: Claims, key: KeyObject, kid = keyId(key)): string {
  const head = `${b64url(JSON.stringify({ alg: 'RS256', kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${b64url(sign('sha256', Buffer.from(head), key))}`;
}

export class JwtError extends Error {}

/** The token's header and claims when it is a JWT at all (signature not checked). */
export function decodeJwt(token: string): { header: Claims; claims: Claims; signed: string; signature: Buffer } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Claims;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Claims;
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object') return undefined;
    return { header, claims, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** Claims of a token signed by one of `keys` (tried by kid first); throws JwtError otherwise. */
export function verifyJwt(token: string, keys: ReadonlyArray<{ kid: string; key: KeyObject }>): Claims {
  const jwt = decodeJwt(token);
  if (!jwt) throw new JwtError('not a JWT');
  if (jwt.header.alg !== 'RS256') throw new JwtError(`unsupported algorithm ${String(jwt.header.alg)}`);
  const data = Buffer.from(jwt.signed);
  const byKid = keys.filter((k) => k.kid === jwt.header.kid);
  for (const k of byKid.length ? byKid : keys) {
    if (verify('sha256', data, k.key, jwt.signature)) return jwt.claims;
  }
  throw new JwtError('invalid signature');
}
