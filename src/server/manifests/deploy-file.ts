// One manifest file, applied: its Addon record first (events need an object to hang on), then the
// checksum (unchanged bytes are not applied again, also across restarts and leader changes), then
// every document by server-side apply, then what the previous version of the file applied and this
// one no longer does is deleted. Any failure leaves the checksum unrecorded, so the next pass tries
// again, and deletes nothing: a half-broken file must not tear down what the good version made.
import { readFile } from 'node:fs/promises';
import { getIfExists, hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { Registry } from '../../apiserver/resources/context.js';
import type { KObject } from '../../registry/types.js';
import type { Logger } from '../log.js';
import { ADDON_NAMESPACE, ADDON_TYPE, type AddonRecord, type AppliedRef } from './addon-kind.js';
import { parseManifest, ManifestSyntaxError, type ManifestDocument, type ManifestObject } from './documents.js';
import { checksumOf, type ManifestFile } from './files.js';

export interface DeployContext {
  client: Client;
  registry: Pick<Registry, 'findByKind'>;
  events: EventRecorder;
  log: Logger;
  fieldManager: string;
  /** How long a kind a CRD of the same file defines may take to be served. */
  crdWaitMs?: number;
}

/** `invalid`: the file itself is wrong (YAML); trying again before it changes is pointless. */
export type DeployOutcome = 'applied' | 'unchanged' | 'failed' | 'invalid';

/** Parsed on the server's event loop: a bound keeps one file from stalling the API for long. */
const maxManifestBytes = 16 << 20;

const errorText = (err: unknown) => (err as Error)?.message ?? String(err);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function resolveKind(registry: DeployContext['registry'], apiVersion: string, kind: string): { type: ResourceType; namespaced: boolean } | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const d = registry.findByKind(group, version, kind);
  return d ? { type: { group, version, resource: d.plural }, namespaced: d.namespaced } : undefined;
}

/** Same object whatever version it was applied as. */
const refKey = (r: AppliedRef) => `${splitApiVersion(r.apiVersion).group}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** Namespaces and CRDs before what lives in them; otherwise the file's order. */
const rank = (o: KObject) => (o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2);

async function ensureAddon(c: DeployContext, file: ManifestFile): Promise<KObject> {
  const existing = await getIfExists(c.client, ADDON_TYPE, ADDON_NAMESPACE, file.addon);
  if (existing) return existing;
  try {
    return await c.client.create(ADDON_TYPE, { apiVersion: 'k3s.cattle.io/v1', kind: 'Addon', metadata: { name: file.addon, namespace: ADDON_NAMESPACE }, spec: { source: file.path } });
  } catch (err) {
    if (!hasReason(err, 'AlreadyExists')) throw err;
    return c.client.get(ADDON_TYPE, ADDON_NAMESPACE, file.addon);
  }
}

async function applyDocument(c: DeployContext, doc: ManifestDocument & { object: ManifestObject }, crdsInFile: boolean): Promise<AppliedRef> {
  const o = doc.object;
  let kind = resolveKind(c.registry, o.apiVersion, o.kind);
  // A kind this file's own CRD defines is served a moment after the CRD is applied.
  const deadline = Date.now() + (c.crdWaitMs ?? 5000);
  while (!kind && crdsInFile && Date.now() < deadline) {
    await sleep(50);
    kind = resolveKind(c.registry, o.apiVersion, o.kind);
  }
  if (!kind) throw new Error(`no kind "${o.kind}" is served in ${o.apiVersion} (is its CustomResourceDefinition installed?)`);
  const namespace = kind.namespaced ? (o.metadata.namespace ?? 'default') : undefined;
  const body: KObject = { ...o, metadata: { ...o.metadata, ...(namespace ? { namespace } : {}) } };
  if (!namespace) delete body.metadata.namespace;
  await c.client.apply!(kind.type, namespace, o.metadata.name!, body, { fieldManager: c.fieldManager, force: true });
  return { apiVersion: o.apiVersion, kind: o.kind, ...(namespace ? { namespace } : {}), name: o.metadata.name! };
}

/** Deletes what the record lists and `keep` does not, if this manager still applies it. */
async function prune(c: DeployContext, file: ManifestFile, previous: readonly AppliedRef[], keep: readonly AppliedRef[]): Promise<{ deleted: AppliedRef[]; failed: AppliedRef[] }> {
  const kept = new Set(keep.map(refKey));
  const deleted: AppliedRef[] = [];
  const failed: AppliedRef[] = [];
  for (const ref of previous) {
    if (kept.has(refKey(ref))) continue;
    const kind = resolveKind(c.registry, ref.apiVersion, ref.kind);
    if (!kind) continue; // its CRD is gone, and its objects with it
    try {
      const live = await getIfExists(c.client, kind.type, ref.namespace, ref.name);
      // Someone else took it over (no Apply entry of ours left): theirs now, not ours to delete.
      const ours = (live?.metadata.managedFields as Array<{ manager?: string }> | undefined)?.some((e) => e.manager === c.fieldManager);
      if (live && ours) await c.client.delete(kind.type, ref.namespace, ref.name, { propagationPolicy: 'Background' });
      deleted.push(ref);
    } catch (err) {
      if (hasReason(err, 'NotFound')) {
        deleted.push(ref);
        continue;
      }
      failed.push(ref);
      c.log.warn('manifest: cannot delete an object the file no longer holds', { file: file.path, object: refKey(ref), error: errorText(err) });
    }
  }
  return { deleted, failed };
}

const describeRef = (r: AppliedRef) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

export async function deployFile(c: DeployContext, file: ManifestFile): Promise<DeployOutcome> {
  const addon = await ensureAddon(c, file);
  const record = addon as unknown as AddonRecord;
  const previous = record.status?.objects ?? [];
  let content: Buffer;
  try {
    content = await readFile(file.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'unchanged'; // removed meanwhile
    c.events.warning(addon, 'ReadManifestFailed', `cannot read ${file.path}: ${errorText(err)}`);
    c.log.warn('manifest: cannot read', { file: file.path, error: errorText(err) });
    return 'failed';
  }
  if (content.length > maxManifestBytes) {
    c.events.warning(addon, 'ReadManifestFailed', `${file.path} is larger than ${maxManifestBytes >> 20} MiB; split it into several files`);
    c.log.warn('manifest: file too large', { file: file.path, bytes: content.length });
    return 'invalid';
  }
  const checksum = checksumOf(content);
  if (record.spec?.checksum === checksum && record.spec.source === file.path) return 'unchanged';

  let docs: ManifestDocument[];
  try {
    docs = parseManifest(content.toString('utf8'));
  } catch (err) {
    const detail = err instanceof ManifestSyntaxError ? err.message : `cannot parse: ${errorText(err)}`;
    c.events.warning(addon, 'ParseManifestFailed', `${file.path}: ${detail}; nothing from this file was applied`);
    c.log.warn('manifest: invalid YAML, nothing applied from this file', { file: file.path, error: detail });
    return 'invalid';
  }

  c.events.normal(addon, 'ApplyingManifest', `applying ${file.path}`);
  const crdsInFile = docs.some((d) => d.object?.kind === 'CustomResourceDefinition');
  const ordered = docs.map((d, i) => ({ d, i })).sort((a, b) => (a.d.object ? rank(a.d.object) : 2) - (b.d.object ? rank(b.d.object) : 2) || a.i - b.i).map((x) => x.d);
  const applied: AppliedRef[] = [];
  const failures: string[] = [];
  for (const doc of ordered) {
    try {
      if (!doc.object) throw new Error(doc.error);
      applied.push(await applyDocument(c, doc as ManifestDocument & { object: ManifestObject }, crdsInFile));
    } catch (err) {
      const line = `document ${doc.index}${doc.object ? ` (${doc.object.kind} ${doc.object.metadata.name})` : ''}: ${errorText(err)}`;
      failures.push(line);
      c.log.warn('manifest: document not applied', { file: file.path, document: doc.index, error: errorText(err) });
    }
  }

  if (failures.length > 0) {
    // Keep tracking everything ever applied, so a later good version can still clean it up; and
    // forget the checksum: going back to the last good bytes must apply them again.
    const known = new Map([...previous, ...applied].map((r) => [refKey(r), r]));
    await c.client.patch(ADDON_TYPE, ADDON_NAMESPACE, file.addon, { type: 'merge', body: { spec: { source: file.path, checksum: null }, status: { objects: [...known.values()] } } });
    c.events.warning(addon, 'ApplyManifestFailed', `${file.path}: ${failures.length} of ${docs.length} documents not applied: ${failures.join('; ')}`);
    return 'failed';
  }

  const { deleted, failed } = await prune(c, file, previous, applied);
  await c.client.patch(ADDON_TYPE, ADDON_NAMESPACE, file.addon, {
    type: 'merge',
    // A failed deletion keeps the checksum off, so the next pass deletes again.
    body: { spec: { source: file.path, checksum: failed.length ? null : checksum }, status: { objects: [...applied, ...failed] } },
  });
  if (failed.length) {
    c.events.warning(addon, 'ApplyManifestFailed', `${file.path}: cannot delete ${failed.map(describeRef).join(', ')}`);
    return 'failed';
  }
  const removed = deleted.length ? `; deleted ${deleted.map(describeRef).join(', ')}, no longer in the file` : '';
  c.events.normal(addon, 'AppliedManifest', `applied ${file.path}: ${applied.length} object${applied.length === 1 ? '' : 's'}${removed}`);
  c.log.info('manifest applied', { file: file.path, objects: applied.length, deleted: deleted.length });
  return 'applied';
}

/** A file named after a `--disable` component: what it applied goes, and its Addon with it. The
 *  file stays (K3s removes its own packaged copy; these are the user's). */
export async function removeFileObjects(c: DeployContext, file: ManifestFile): Promise<void> {
  const addon = await getIfExists(c.client, ADDON_TYPE, ADDON_NAMESPACE, file.addon);
  if (!addon) return;
  c.events.normal(addon, 'DeletingManifest', `${file.path} is disabled: deleting what it applied`);
  const { failed } = await prune(c, file, (addon as unknown as AddonRecord).status?.objects ?? [], []);
  if (failed.length) throw new Error(`cannot delete ${failed.map(describeRef).join(', ')}`);
  await c.client.delete(ADDON_TYPE, ADDON_NAMESPACE, file.addon).catch((err) => {
    if (!hasReason(err, 'NotFound')) throw err;
  });
  c.log.info('manifest disabled: its objects deleted', { file: file.path });
}
