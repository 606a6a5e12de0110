// ServiceAccount admission, as kube-apiserver runs it on new pods: the pod runs as `default` unless
// it names another ServiceAccount, which must exist; and unless the pod or its ServiceAccount opts
// out (automountServiceAccountToken: false), every container gets the projected volume that holds
// a short-lived token, the cluster CA and the namespace at the path client libraries look in.
import { randomInt } from 'node:crypto';
import type { Container, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../registry/types.js';
import { hasReason } from '../../client/types.js';
import { errors } from '../errors.js';
import { createObject } from '../resources/operations.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** Upstream's: one hour plus seven seconds, which marks a token the kubelet asked for. */
export const PROJECTED_TOKEN_SECONDS = 3607;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
// The alphabet upstream's generated names use: no vowels, no look-alikes.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Adds the token volume and its mounts in place, as upstream: containers that already mount
 *  something at the path keep it, and an existing kube-api-access-* volume is reused. */
export function mountToken(spec: NonNullable<Pod['spec']>, newName = () => TOKEN_VOLUME_PREFIX + randomSuffix()): void {
  const volumes = spec.volumes ?? [];
  const existing = volumes.find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const name = existing?.name ?? newName();
  let needed = false;
  const mountIn = (c: Container) => {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)) return;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
    needed = true;
  };
  for (const c of spec.initContainers ?? []) mountIn(c);
  for (const c of spec.containers ?? []) mountIn(c);
  if (needed && !existing) spec.volumes = [...volumes, tokenVolume(name)];
}

export function serviceAccountAdmission(ctx: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  const saType = ctx.registry.findByResource('', 'v1', 'serviceaccounts')!;
  /** The named ServiceAccount. A namespace's `default` is made here when the serviceaccounts
   *  controller has not made it yet: upstream refuses the pod in that moment and every client
   *  retries; making it is what that retry would wait for, without the window. */
  const lookUp = async (namespace: string, name: string, dryRun: boolean): Promise<KObject | undefined> => {
    const found = await ctx.store.tryGet(saType, namespace, name);
    if (found || name !== 'default' || dryRun) return found;
    try {
      return await createObject({ ...ctx, admission: [] }, saType, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
    } catch (err) {
      if (hasReason(err, 'AlreadyExists')) return ctx.store.tryGet(saType, namespace, name);
      throw err;
    }
  };
  return {
    name: 'ServiceAccount',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || req.descriptor.group !== '' || req.descriptor.kind !== 'Pod') return;
      const pod = req.object as Pod & KObject;
      // Static pods' mirrors stand for what a kubelet runs from a file: nothing to add or look up.
      if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
      const spec = (pod.spec ??= { containers: [] });
      if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || 'default';
      spec.serviceAccount = spec.serviceAccountName;
      const namespace = pod.metadata.namespace!;
      const sa = await lookUp(namespace, spec.serviceAccountName, req.dryRun);
      if (!sa && !(req.dryRun && spec.serviceAccountName === 'default')) {
        throw errors.forbidden(
          `pods "${pod.metadata.name ?? ''}" is forbidden: error looking up service account ${namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
          { group: '', resource: 'pods' },
          pod.metadata.name,
        );
      }
      const automount = spec.automountServiceAccountToken ?? (sa as { automountServiceAccountToken?: boolean } | undefined)?.automountServiceAccountToken ?? true;
      if (automount) mountToken(spec);
    },
  };
}
