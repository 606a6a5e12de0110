// Writes a set of files into a volume directory so that a reader inside the container sees either
// the whole old set or the whole new one, never a mix or a missing file. The layout is the one the
// upstream kubelet uses for ConfigMap, Secret, downward API and projected volumes:
//   ..2024_05_01_10_00_00.123456/   the files of one version (mode 0755)
//   ..data -> ..2024_05_01_10_00_00.123456
//   <name> -> ..data/<name>          one link per top-level name
// An update writes a new version directory, then replaces `..data` with rename(2) of a fresh
// symlink: one atomic step switches every file at once. Links are relative because the directory
// is seen at another path inside the container.
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FileContent {
  data: Buffer;
  /** Permission bits (0 to 0777). */
  mode: number;
}

/** Relative path (may contain `/`) → content. */
export type Payload = Map<string, FileContent>;

const DATA = '..data';
const DATA_TMP = '..data_tmp';
const LINK_TMP = '..link_tmp';

/** Refuses paths that could leave the directory or collide with the layout's own `..` names. */
export function checkPayloadPath(path: string): void {
  const parts = path.split('/');
  const bad = (why: string) => new Error(`invalid path ${JSON.stringify(path)}: ${why}`);
  if (path.startsWith('/')) throw bad('must be relative');
  if (parts.some((p) => p === '' || p === '.')) throw bad('must not contain empty or "." elements');
  if (parts.includes('..')) throw bad("must not contain '..'");
  if (parts[0]!.startsWith('..')) throw bad("must not start with '..'");
}

function checkPayload(payload: Payload): void {
  for (const path of payload.keys()) {
    checkPayloadPath(path);
    // `a` as a file and `a/b` below it cannot both exist.
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (payload.has(parent)) throw new Error(`invalid path ${JSON.stringify(path)}: ${JSON.stringify(parent)} is a file`);
    }
  }
}

const effectiveMode = (f: FileContent, gid: number | undefined) => (gid !== undefined ? f.mode | 0o440 : f.mode) & 0o7777;

async function currentVersion(dir: string): Promise<string | undefined> {
  try {
    const target = await readlink(join(dir, DATA));
    return (await lstat(join(dir, target))).isDirectory() ? target : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** True when the version directory holds exactly the payload, modes and group included. */
async function holds(versionDir: string, payload: Payload, gid: number | undefined): Promise<boolean> {
  const files = await listFiles(versionDir);
  if (files.length !== payload.size) return false;
  for (const rel of files) {
    const want = payload.get(rel);
    if (!want) return false;
    const st = await lstat(join(versionDir, rel));
    if (!st.isFile() || (st.mode & 0o7777) !== effectiveMode(want, gid) || st.size !== want.data.length) return false;
    if (gid !== undefined && st.gid !== gid) return false;
    if (!(await readFile(join(versionDir, rel))).equals(want.data)) return false;
  }
  return true;
}

/** `<name> -> ..data/<name>`, replacing whatever else has that name. */
async function linkTopLevel(dir: string, name: string): Promise<void> {
  const path = join(dir, name);
  const target = `${DATA}/${name}`;
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await symlink(target, path);
    return;
  }
  if (st.isSymbolicLink()) {
    if ((await readlink(path)) === target) return;
    await rm(join(dir, LINK_TMP), { force: true });
    await symlink(target, join(dir, LINK_TMP));
    await rename(join(dir, LINK_TMP), path);
    return;
  }
  await rm(path, { recursive: true, force: true });
  await symlink(target, path);
}

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[-T:]/g, '_');

/**
 * Makes `dir` hold exactly `payload`. With `gid` (the pod's fsGroup) files belong to that group and
 * are group-readable, so a non-root container user in the group can read a 0400 Secret.
 * Returns false, touching nothing, when the directory already holds that content.
 */
export async function writeAtomically(dir: string, payload: Payload, o: { gid?: number } = {}): Promise<boolean> {
  checkPayload(payload);
  await mkdir(dir, { recursive: true });
  const tops = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  const current = await currentVersion(dir);
  if (current !== undefined && (await holds(join(dir, current), payload, o.gid))) {
    for (const name of tops) await linkTopLevel(dir, name); // repairs a link removed by hand
    return false;
  }

  const version = await mkdtemp(join(dir, `..${stamp()}.`));
  await chmod(version, o.gid !== undefined ? 0o2755 : 0o755);
  if (o.gid !== undefined) await chown(version, -1, o.gid);
  for (const [rel, f] of payload) {
    const path = join(version, rel);
    if (rel.includes('/')) await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFile(path, f.data, { mode: 0o600 });
    if (o.gid !== undefined) await chown(path, -1, o.gid);
    // Set after writing: the mode given at creation is cut by the umask.
    await chmod(path, effectiveMode(f, o.gid));
  }
  if (o.gid !== undefined) await chownTree(version, o.gid);

  for (const name of tops) await linkTopLevel(dir, name);
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(basename(version), join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA));

  // What the old version had and the new one does not: its directory and its links.
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === DATA || e.name === basename(version)) continue;
    const path = join(dir, e.name);
    if (e.name.startsWith('..')) {
      if (e.isDirectory()) await rm(path, { recursive: true, force: true });
      else if (e.name === LINK_TMP) await rm(path, { force: true });
    } else if (e.isSymbolicLink() && !tops.has(e.name) && (await readlink(path)) === `${DATA}/${e.name}`) {
      await rm(path, { force: true });
    }
  }
  return true;
}

/** Subdirectories made for nested paths get the group too. */
async function chownTree(dir: string, gid: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const path = join(dir, e.name);
    await chown(path, -1, gid);
    await chmod(path, 0o2755);
    await chownTree(path, gid);
  }
}
