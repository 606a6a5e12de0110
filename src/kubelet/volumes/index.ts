// What the pod sync imports: the volume manager, its error, and the per-pod /etc/hosts.
export { createPodVolumes } from './pod-volumes.js';
export { writeEtcHosts, type EtcHostsOptions } from './etc-hosts.js';
export { systemMountOps } from './mount-ops.js';
export { VolumeError, type MountOps, type PodVolumes, type PodVolumesOptions, type VolumeLog } from './types.js';
