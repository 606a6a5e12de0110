// Which files of the manifests directory are applied, which are skipped, which are disabled: the
// rules K3s's deploy controller follows, as a pure function of the names so they can be tested
// without a disk. Only the directory itself is read (no subdirectories).
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ManifestFile {
  path: string;
  fileName: string;
  /** The name of its Addon record in kube-system: the file name up to the first dot. */
  addon: string;
}

export interface ManifestSelection {
  apply: ManifestFile[];
  /** Files named after a `--disable` component: what they applied is removed. */
  disabled: ManifestFile[];
  /** Files not applied, each with the reason (for the debug log). */
  ignored: Array<{ fileName: string; reason: string }>;
}

/** Where a server looks for manifests, as K3s: `<data-dir>/server/manifests`. */
export const manifestsDirOf = (dataDir: string): string => join(dataDir, 'server', 'manifests');

const manifestExtensions = ['.yaml', '.yml', '.json'];

export const isManifestName = (fileName: string): boolean => manifestExtensions.some((e) => fileName.toLowerCase().endsWith(e));

/** K3s names an Addon after the file up to its first dot; made a valid object name here, because
 *  a file may be called `My_App.yaml` and an Addon may not. */
export function addonNameOf(fileName: string): string {
  const stem = fileName.split('.')[0]!.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return stem || 'manifest';
}

/** The name before the extension, which `--disable` matches (K3s: `--disable traefik` → traefik.yaml). */
const stemOf = (fileName: string) => fileName.slice(0, fileName.lastIndexOf('.'));

export function selectManifests(dir: string, fileNames: readonly string[], disabledNames: readonly string[]): ManifestSelection {
  const names = [...fileNames].sort();
  // `app.yaml.skip` next to `app.yaml` keeps it from being applied, whatever the skip file holds.
  const skips = new Set(names.filter((n) => n.endsWith('.skip')).map((n) => n.slice(0, -'.skip'.length)));
  const disabled = new Set(disabledNames);
  const out: ManifestSelection = { apply: [], disabled: [], ignored: [] };
  const taken = new Map<string, string>();
  for (const fileName of names) {
    if (fileName.startsWith('.')) continue; // editors' swap and temporary files
    if (!isManifestName(fileName)) {
      if (!fileName.endsWith('.skip')) out.ignored.push({ fileName, reason: 'not .yaml, .yml or .json' });
      continue;
    }
    const file = { path: join(dir, fileName), fileName, addon: addonNameOf(fileName) };
    if (disabled.has(stemOf(fileName))) {
      out.disabled.push(file);
      continue;
    }
    if (skips.has(fileName)) {
      out.ignored.push({ fileName, reason: `${fileName}.skip exists` });
      continue;
    }
    const other = taken.get(file.addon);
    if (other) {
      out.ignored.push({ fileName, reason: `its Addon name "${file.addon}" is already used by ${other}; rename one of them` });
      continue;
    }
    taken.set(file.addon, fileName);
    out.apply.push(file);
  }
  return out;
}

/** Regular files and symlinks in `dir`; a missing directory has none. */
export async function listFileNames(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** What the Addon records, so that a file whose bytes did not change is not applied again. */
export const checksumOf = (content: Buffer | string): string => createHash('sha256').update(content).digest('hex');
