// Who this node is: its name (flag, else the host name; optionally with a stable random suffix so
// cloned machines with one host name can all join) and the password that proves the name is ours.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../pki/files.js';
import { generateNodePassword } from '../join/node-password.js';

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class NodeIdentityError extends Error {}

async function readOrCreate(path: string, make: () => string): Promise<string> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (text) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = make();
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${value}\n`, 0o600);
  return value;
}

/** `<data-dir>/node/password`: made once, kept for the life of the node. */
export function ensureNodePassword(dataDir: string): Promise<string> {
  return readOrCreate(join(dataDir, 'node', 'password'), generateNodePassword);
}

export async function resolveNodeName(o: { nodeName?: string; hostname: string; withNodeId?: boolean; dataDir: string }): Promise<string> {
  const base = (o.nodeName || o.hostname).toLowerCase();
  const name = o.withNodeId ? `${base}-${await readOrCreate(join(o.dataDir, 'node', 'id'), () => randomBytes(4).toString('hex'))}` : base;
  if (name.length > 253 || !dns1123Subdomain.test(name)) {
    throw new NodeIdentityError(
      `"${name}" cannot be a node name: use lower case letters, digits, '-' and '.', starting and ending with a letter or digit; pass --node-name`,
    );
  }
  return name;
}
