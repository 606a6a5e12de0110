// The built-in local-path provisioner (K3s ships rancher's): StorageClass `local-path`, the
// default class, binding when the first pod is scheduled; each volume is a directory on the chosen
// node, `<node data dir>/storage/pvc-<uid>_<namespace>_<name>`. The node tells where its storage
// directory is through an annotation on its Node (kubelet/volumes/local-storage.ts sets it); the
// kubelet makes the directory when a pod mounts it and removes it once the volume is deleted.
import type { PersistentVolumeClaimSpec } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { DEFAULT_CLASS_ANNOTATION } from '../../registry/kinds/storageclass.js';
import { LOCAL_STORAGE_DIR_ANNOTATION } from '../../registry/kinds/persistentvolume.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
/** On a Node: the absolute directory its local-path volumes live in. */
export const STORAGE_DIR_ANNOTATION = LOCAL_STORAGE_DIR_ANNOTATION;
export const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const storageClassesType: ResourceType = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };

export const localPathClass = (): KObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: LOCAL_PATH_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
});

/** Creates the class unless it exists; an admin's edits to an existing one are kept. */
export async function ensureLocalPathClass(client: Client): Promise<void> {
  try {
    await client.create(storageClassesType, localPathClass());
  } catch (err) {
    if (!hasReason(err, 'AlreadyExists')) throw err;
  }
}

export const localVolumeName = (claim: KObject) => `pvc-${claim.metadata.uid}`;
export const localVolumeDir = (storageDir: string, claim: KObject) =>
  `${storageDir.replace(/\/+$/, '')}/pvc-${claim.metadata.uid}_${claim.metadata.namespace}_${claim.metadata.name}`;

/** The volume for `claim` on `node`: a hostPath directory, reachable from that node only. */
export function localPathVolume(claim: KObject, cls: KObject, nodeName: string, storageDir: string): KObject {
  const spec = (claim.spec ?? {}) as PersistentVolumeClaimSpec;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: localVolumeName(claim), annotations: { [PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } },
    spec: {
      capacity: { storage: spec.resources?.requests?.storage ?? '0' },
      accessModes: spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: (cls.reclaimPolicy as string | undefined) ?? 'Delete',
      storageClassName: cls.metadata.name,
      volumeMode: spec.volumeMode ?? 'Filesystem',
      hostPath: { path: localVolumeDir(storageDir, claim), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
    },
  };
}
