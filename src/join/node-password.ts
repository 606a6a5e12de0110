// A node proves it is the machine that first took its name with a random password it keeps in its
// data dir; the server keeps only a salted hash, in a Secret named after the node (as K3s does).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// The password is 128 random bits, never a human's choice: there is no dictionary to slow down,
// so a salted SHA-256 is as strong as a key-stretching hash here. (scrypt cost 16 MB per join, and
// glibc kept it: 100 joins left the server ~95 MB larger.)
const digest = (password: string, salt: Buffer) => createHash('sha256').update(salt).update(password, 'utf8').digest();

export const NODE_PASSWORD_NAMESPACE = 'kube-system';
export const NODE_PASSWORD_SECRET_TYPE = 'k3ts.io/node-password';

export function nodePasswordSecretName(nodeName: string): string {
  return `${nodeName}.node-password.k3ts`;
}

export function generateNodePassword(): string {
  return randomBytes(16).toString('hex');
}

/** `sha256$<salt b64>$<hash b64>` */
export async function hashNodePassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `sha256$${salt.toString('base64')}$${digest(password, salt).toString('base64')}`;
}

export async function verifyNodePassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'sha256' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = digest(password, Buffer.from(salt, 'base64'));
  return want.length === got.length && timingSafeEqual(want, got);
}
