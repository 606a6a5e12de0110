// A node proves it is the machine that first took its name with a random password it keeps in its
// data dir; the server keeps only a salted hash, in a Secret named after the node (as K3s does).
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const NODE_PASSWORD_NAMESPACE = 'kube-system';
export const NODE_PASSWORD_SECRET_TYPE = 'k3ts.io/node-password';

export function nodePasswordSecretName(nodeName: string): string {
  return `${nodeName}.node-password.k3ts`;
}

export function generateNodePassword(): string {
  return randomBytes(16).toString('hex');
}

/** `scrypt$<salt b64>$<hash b64>` */
export async function hashNodePassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyNodePassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), want.length);
  return want.length === got.length && timingSafeEqual(want, got);
}
