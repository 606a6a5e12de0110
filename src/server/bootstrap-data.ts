// Several servers on one shared datastore must be one cluster: the same CAs (agents pin the server
// CA through the token's hash; every server must accept every client certificate). As K3s does, the
// first server stores these files in the datastore, encrypted with a key derived from the token's
// secret, and every later server started with that token restores them before making its own
// certificates. Someone who can read the database but not the token learns nothing usable.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Backend } from '../storage/backend.js';
import { StorageError } from '../storage/backend.js';
import { readIfExists, writeFileAtomic } from '../pki/files.js';

/** Everything that must be identical on every server, relative to `<data-dir>/server/`.
 *  Keys are written 0600, the rest 0644. */
export const SHARED_SERVER_FILES = ['tls/server-ca.crt', 'tls/server-ca.key', 'tls/client-ca.crt', 'tls/client-ca.key'];
/** Shared too, once they exist: the ServiceAccount signing key (a token from one server must pass on
 *  every other) and the secrets-encryption keys (a Secret sealed by one must open on every other).
 *  The encryption keys change under `k3ts secrets-encrypt rotate-keys`, which updates the record; a
 *  server's older local copy then gives way to the record's. */
export const OPTIONAL_SHARED_FILES = ['tls/service.key', 'cred/encryption-config.json',
  // Managed etcd's CA (server/etcd/): every member's certificate must chain to it.
  'tls/etcd/server-ca.crt', 'tls/etcd/server-ca.key'];
const ALL_FILES = [...SHARED_SERVER_FILES, ...OPTIONAL_SHARED_FILES];
const RECORD_WINS = new Set(['cred/encryption-config.json']);

const PREFIX = '/k3ts/bootstrap/';

/** The datastore key of one token's record; a hash, so the key itself reveals nothing. */
export function bootstrapKey(tokenSecret: string): string {
  return `${PREFIX}${createHash('sha256').update(`k3ts-bootstrap:${tokenSecret}`).digest('hex').slice(0, 16)}`;
}

interface Sealed {
  v: 1;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

function seal(tokenSecret: string, files: Record<string, string>): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', scryptSync(tokenSecret, salt, 32), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(files), 'utf8'), cipher.final()]);
  const sealed: Sealed = { v: 1, salt: salt.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  return JSON.stringify(sealed);
}

function open(tokenSecret: string, value: string): Record<string, string> {
  const s = JSON.parse(value) as Sealed;
  const decipher = createDecipheriv('aes-256-gcm', scryptSync(tokenSecret, Buffer.from(s.salt, 'base64'), 32), Buffer.from(s.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(s.data, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(text) as Record<string, string>;
}

async function readLocal(dataDir: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const f of ALL_FILES) out[f] = (await readIfExists(join(dataDir, 'server', f)))?.toString('utf8');
  return out;
}

async function writeLocal(dataDir: string, files: Record<string, string>): Promise<void> {
  for (const [f, text] of Object.entries(files)) {
    if (!ALL_FILES.includes(f)) continue;
    const path = join(dataDir, 'server', f);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, text, f.endsWith('.crt') ? 0o644 : 0o600);
  }
}

const anotherCluster = (endpointHint: string) =>
  `the datastore already holds another cluster's certificates, sealed with a different token: start this server with that cluster's --token (the contents of <data-dir>/server/token on its first server)${endpointHint}`;

export type RestoreResult = 'restored' | 'none' | 'in-sync';

/**
 * Before this server makes any certificate: take the cluster's shared files from the datastore.
 * `tokenSecret` undefined means this server has no token yet (a brand-new first server): fine on an
 * empty datastore, refused on one that already holds a cluster.
 */
export async function restoreBootstrapData(backend: Backend, dataDir: string, tokenSecret: string | undefined): Promise<RestoreResult> {
  const records = await backend.list({ prefix: PREFIX });
  if (records.items.length === 0) return 'none';
  const mine = tokenSecret === undefined ? undefined : records.items.find((kv) => kv.key === bootstrapKey(tokenSecret));
  if (!mine) throw new Error(anotherCluster(''));
  let files: Record<string, string>;
  try {
    files = open(tokenSecret!, mine.value);
  } catch {
    throw new Error(`the cluster's certificates in the datastore (${mine.key}) cannot be decrypted with this token: pass the token the first server was started with`);
  }
  const local = await readLocal(dataDir);
  const differing = ALL_FILES.filter((f) => !RECORD_WINS.has(f) && local[f] !== undefined && files[f] !== undefined && local[f] !== files[f]);
  if (differing.length > 0) {
    throw new Error(
      `${join(dataDir, 'server', differing[0]!)} differs from the cluster's copy in the datastore: this data dir belongs to another cluster; move ${join(dataDir, 'server', 'tls')} away (its certificates are then taken from the datastore) or use another --data-dir`,
    );
  }
  // Missing here, or (the encryption keys) older here than in the record.
  const stale = ALL_FILES.filter((f) => files[f] !== undefined && local[f] !== files[f]);
  if (stale.length === 0) return 'in-sync';
  await writeLocal(dataDir, files);
  return 'restored';
}

export type PublishResult = 'published' | 'present' | 'replaced';

/**
 * After the certificates exist: store them for the next server, unless already stored. Two brand-new
 * servers racing on one empty datastore both made CAs; the loser takes the winner's ('replaced'), and
 * its caller must re-issue what it signed with its own.
 */
export async function publishBootstrapData(backend: Backend, dataDir: string, tokenSecret: string): Promise<PublishResult> {
  const local = await readLocal(dataDir);
  const files: Record<string, string> = {};
  for (const f of ALL_FILES) {
    const text = local[f];
    if (text === undefined && SHARED_SERVER_FILES.includes(f)) throw new Error(`${join(dataDir, 'server', f)} is missing; it should have been created at start`);
    if (text !== undefined) files[f] = text;
  }
  const key = bootstrapKey(tokenSecret);
  for (;;) {
    const stored = await backend.get(key);
    if (!stored) {
      try {
        await backend.create(key, seal(tokenSecret, files));
        return 'published';
      } catch (err) {
        if (!(err instanceof StorageError && err.code === 'KeyExists')) throw err;
        continue;
      }
    }
    const theirs = open(tokenSecret, stored.value);
    if (!SHARED_SERVER_FILES.every((f) => theirs[f] === files[f])) {
      await writeLocal(dataDir, theirs);
      return 'replaced';
    }
    // Same cluster: the record gains the optional files it lacks (a record from before they were
    // shared, or a first server started without --secrets-encryption).
    const added = Object.keys(files).filter((f) => theirs[f] === undefined);
    if (added.length === 0) return 'present';
    try {
      await backend.update(key, seal(tokenSecret, { ...theirs, ...files }), stored.modRevision);
      return 'present';
    } catch (err) {
      if (!(err instanceof StorageError && (err.code === 'Conflict' || err.code === 'NotFound'))) throw err;
    }
  }
}

/** After `secrets-encrypt rotate-keys` on a shared datastore: the record takes this data dir's new
 *  copy of one optional file, so every server starts with it. False when no record is sealed with
 *  this token (a cluster on SQLite, or another token). */
export async function updateSharedFile(backend: Backend, dataDir: string, tokenSecret: string, file: string): Promise<boolean> {
  if (!OPTIONAL_SHARED_FILES.includes(file)) throw new Error(`${file} is not shared between servers`);
  const text = (await readLocal(dataDir))[file];
  if (text === undefined) throw new Error(`${join(dataDir, 'server', file)} does not exist`);
  const key = bootstrapKey(tokenSecret);
  for (;;) {
    const stored = await backend.get(key);
    if (!stored) return false;
    try {
      await backend.update(key, seal(tokenSecret, { ...open(tokenSecret, stored.value), [file]: text }), stored.modRevision);
      return true;
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'Conflict')) throw err;
    }
  }
}
