// Where a pod's volumes and files live on the host, named as the upstream kubelet names them under
// /var/lib/kubelet/pods/<uid>, so someone who knows that layout finds their way here:
//   <root>/<uid>/volumes/kubernetes.io~<kind>/<volume>   one directory per volume
//   <root>/<uid>/containers/<container>/<restart>        termination message files
//   <root>/<uid>/etc-hosts                               the pod's /etc/hosts
import { join } from 'node:path';

export type VolumeKind = 'empty-dir' | 'configmap' | 'secret' | 'downward-api' | 'projected';

/** Names from the API become path components: one that is not a plain name must never reach the filesystem. */
export function safeComponent(name: string, what: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error(`invalid ${what} ${JSON.stringify(name)} for a path component`);
  }
  return name;
}

export const podDirOf = (root: string, uid: string) => join(root, safeComponent(uid, 'pod uid'));

export const volumeDirOf = (root: string, uid: string, kind: VolumeKind, volume: string) =>
  join(podDirOf(root, uid), 'volumes', `kubernetes.io~${kind}`, safeComponent(volume, 'volume name'));

export const containerDirOf = (root: string, uid: string, container: string) =>
  join(podDirOf(root, uid), 'containers', safeComponent(container, 'container name'));
