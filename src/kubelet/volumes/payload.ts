// The files of a ConfigMap, Secret, downward API or projected volume, computed from the cluster
// (through the Client) and the pod: what the atomic writer then puts on disk.
import type {
  ConfigMapProjection,
  ConfigMapVolumeSource,
  DownwardAPIVolumeFile,
  Pod,
  ProjectedVolumeSource,
  SecretProjection,
  SecretVolumeSource,
} from 'kubernetes-types/core/v1.js';
import { getIfExists, type Client } from '../../client/types.js';
import { ContainerConfigError, fieldValue, resourceValue } from '../env.js';
import type { Payload } from './atomic-writer.js';
import { VolumeError, type VolumeLog } from './types.js';
import type { ServiceAccountTokens } from './service-account-token.js';

const DEFAULT_MODE = 0o644;
const configMapsType = { group: '', version: 'v1', resource: 'configmaps' };
const secretsType = { group: '', version: 'v1', resource: 'secrets' };

type SourceKind = 'configmap' | 'secret';

/** Reads each ConfigMap and Secret once per pass, however many volumes name it. */
export class SourceReader {
  private cache = new Map<string, Promise<Map<string, Buffer> | undefined>>();
  constructor(private readonly client: Client, private readonly namespace: string) {}

  /** The object's keys as bytes (Secret data decoded, ConfigMap binaryData too); undefined when it does not exist. */
  get(kind: SourceKind, name: string): Promise<Map<string, Buffer> | undefined> {
    const key = `${kind}/${name}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.read(kind, name);
      this.cache.set(key, p);
    }
    return p;
  }

  private async read(kind: SourceKind, name: string): Promise<Map<string, Buffer> | undefined> {
    if (!name) return undefined;
    const obj = await getIfExists(this.client, kind === 'configmap' ? configMapsType : secretsType, this.namespace, name);
    if (!obj) return undefined;
    const out = new Map<string, Buffer>();
    const strings = (v: unknown) => Object.entries((v ?? {}) as Record<string, string>);
    if (kind === 'secret') {
      for (const [k, v] of strings(obj.data)) out.set(k, Buffer.from(v, 'base64'));
      for (const [k, v] of strings(obj.stringData)) out.set(k, Buffer.from(v, 'utf8'));
    } else {
      for (const [k, v] of strings(obj.binaryData)) out.set(k, Buffer.from(v, 'base64'));
      for (const [k, v] of strings(obj.data)) out.set(k, Buffer.from(v, 'utf8'));
    }
    return out;
  }
}

export interface PayloadContext {
  pod: Pod;
  /** The volume being built: named in errors and log lines. */
  volume: string;
  sources: SourceReader;
  nodeIP?: string;
  allocatable(): Record<string, string>;
  log: VolumeLog;
  /** Projected serviceAccountToken sources: tokens asked of the API server for the pod. */
  tokens?: ServiceAccountTokens;
  /** Report skipped sources: true on set-up, false on the periodic refresh so the log is not flooded. */
  report: boolean;
}

interface KeyedSource {
  name: string;
  items?: Array<{ key: string; path: string; mode?: number }>;
  optional: boolean;
  defaultMode: number;
}

/** Each key as a file, or only the listed items under their own paths and modes. */
async function keyedFiles(ctx: PayloadContext, kind: SourceKind, src: KeyedSource): Promise<Payload> {
  const out: Payload = new Map();
  const data = await ctx.sources.get(kind, src.name);
  if (!data) {
    if (src.optional) return out;
    throw new VolumeError(`${kind} "${src.name}" not found`, { volume: ctx.volume });
  }
  if (!src.items?.length) {
    for (const [k, v] of data) out.set(k, { data: v, mode: src.defaultMode });
    return out;
  }
  for (const item of src.items) {
    const value = data.get(item.key);
    if (value === undefined) {
      if (src.optional) continue;
      throw new VolumeError(
        kind === 'configmap' ? `configmap references non-existent config key: ${item.key}` : `secret references non-existent secret key: ${item.key}`,
        { volume: ctx.volume },
      );
    }
    out.set(item.path, { data: value, mode: item.mode ?? src.defaultMode });
  }
  return out;
}

function downwardFiles(ctx: PayloadContext, items: DownwardAPIVolumeFile[], defaultMode: number): Payload {
  const { pod } = ctx;
  const status = pod.status ?? {};
  const ips = (list: Array<{ ip?: string }> | undefined, one: string | undefined) =>
    list?.length ? list.map((a) => a.ip ?? '').filter((ip) => ip !== '') : one ? [one] : [];
  const podIPs = ips(status.podIPs, status.podIP);
  const hostIPs = ips(status.hostIPs, status.hostIP ?? ctx.nodeIP);
  const out: Payload = new Map();
  for (const item of items) {
    let value: string;
    try {
      if (item.fieldRef) value = fieldValue(item.fieldRef.fieldPath, { pod, podIPs, hostIPs });
      else if (item.resourceFieldRef) {
        const ref = item.resourceFieldRef;
        const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName);
        if (!container) throw new VolumeError(`resourceFieldRef of ${item.path}: container "${ref.containerName ?? ''}" not found in the pod`, { volume: ctx.volume });
        value = resourceValue(ref.resource, ref.divisor, container, ctx.allocatable());
      } else throw new VolumeError(`${item.path}: one of fieldRef or resourceFieldRef is required`, { volume: ctx.volume });
    } catch (err) {
      if (err instanceof ContainerConfigError) throw new VolumeError(err.message, { volume: ctx.volume });
      throw err;
    }
    out.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
  }
  return out;
}

export function configMapPayload(ctx: PayloadContext, src: ConfigMapVolumeSource): Promise<Payload> {
  return keyedFiles(ctx, 'configmap', { name: src.name ?? '', items: src.items, optional: src.optional === true, defaultMode: src.defaultMode ?? DEFAULT_MODE });
}

export function secretPayload(ctx: PayloadContext, src: SecretVolumeSource): Promise<Payload> {
  return keyedFiles(ctx, 'secret', { name: src.secretName ?? '', items: src.items, optional: src.optional === true, defaultMode: src.defaultMode ?? DEFAULT_MODE });
}

export function downwardAPIPayload(ctx: PayloadContext, src: { items?: DownwardAPIVolumeFile[]; defaultMode?: number }): Payload {
  return downwardFiles(ctx, src.items ?? [], src.defaultMode ?? DEFAULT_MODE);
}

/** Every source's files in one directory; a later source's path replaces an earlier one's. */
export async function projectedPayload(ctx: PayloadContext, src: ProjectedVolumeSource): Promise<Payload> {
  const defaultMode = src.defaultMode ?? DEFAULT_MODE;
  const out: Payload = new Map();
  const add = (p: Payload) => p.forEach((v, k) => out.set(k, v));
  for (const s of src.sources ?? []) {
    const keyed = (kind: SourceKind, p: ConfigMapProjection | SecretProjection) =>
      keyedFiles(ctx, kind, { name: p.name ?? '', items: p.items, optional: p.optional === true, defaultMode });
    if (s.configMap) add(await keyed('configmap', s.configMap));
    else if (s.secret) add(await keyed('secret', s.secret));
    else if (s.downwardAPI) add(downwardFiles(ctx, s.downwardAPI.items ?? [], defaultMode));
    else if (s.serviceAccountToken) {
      if (!ctx.tokens) throw new VolumeError('serviceAccountToken sources need a token source', { volume: ctx.volume });
      const token = await ctx.tokens.tokenFor(ctx.pod, s.serviceAccountToken, ctx.volume);
      out.set(s.serviceAccountToken.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode });
    } else {
      const kind = Object.keys(s)[0] ?? 'empty';
      throw new VolumeError(`projected source ${kind} is not supported by k3ts yet`, { volume: ctx.volume });
    }
  }
  return out;
}
