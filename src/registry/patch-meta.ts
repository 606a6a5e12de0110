// Strategic-merge-patch metadata of the built-in kinds: which lists merge element by element (and by
// which key), which objects honour `$retainKeys`, and the nested types that lead to them. Taken from
// the `patchStrategy`/`patchMergeKey` tags of the k8s.io/api 1.32 types. A field that is not listed
// behaves like an untagged Go field: objects merge key by key, lists are replaced whole.

export interface FieldPatchMeta {
  /** 'merge': a list merges element-wise (objects by `mergeKey`, primitives as a set). */
  readonly strategy?: 'merge';
  /** The field of each element that identifies it, for lists of objects with strategy 'merge'. */
  readonly mergeKey?: string;
  /** The value (or each list element) is a union whose unused members `$retainKeys` clears. */
  readonly retainKeys?: boolean;
  /** Metadata of the nested object, or of each list element. */
  readonly type?: TypePatchMeta;
}

/** Field name → metadata, for one object type. */
export type TypePatchMeta = { readonly [field: string]: FieldPatchMeta };

const nested = (type: TypePatchMeta): FieldPatchMeta => ({ type });
const mergeBy = (mergeKey: string, type?: TypePatchMeta): FieldPatchMeta => ({ strategy: 'merge', mergeKey, type });
/** A list of strings merged as a set (finalizers, podCIDRs). */
const stringSet: FieldPatchMeta = { strategy: 'merge' };
/** Conditions of every status here merge by `type`. */
const conditions = mergeBy('type');

const objectMeta: TypePatchMeta = {
  ownerReferences: mergeBy('uid'),
  finalizers: stringSet,
};

const container: TypePatchMeta = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
  // envFrom, args, command, resizePolicy: replaced whole.
};

const podSpec: TypePatchMeta = {
  volumes: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  // tolerations, readinessGates: replaced whole.
};

const podStatus: TypePatchMeta = {
  conditions,
  podIPs: mergeBy('ip'),
  hostIPs: mergeBy('ip'),
  resourceClaimStatuses: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  // containerStatuses and friends: replaced whole.
};

const podTemplateSpec: TypePatchMeta = { metadata: nested(objectMeta), spec: nested(podSpec) };

const withStatusConditions = (spec: TypePatchMeta): TypePatchMeta => ({
  metadata: nested(objectMeta),
  spec: nested(spec),
  status: nested({ conditions }),
});

const jobSpec: TypePatchMeta = { template: nested(podTemplateSpec) };

const metadataOnly: TypePatchMeta = { metadata: nested(objectMeta) };

const pod: TypePatchMeta = { metadata: nested(objectMeta), spec: nested(podSpec), status: nested(podStatus) };

const node: TypePatchMeta = {
  metadata: nested(objectMeta),
  // taints carry no strategy upstream: `kubectl taint` sends the whole list and it replaces.
  spec: nested({ podCIDRs: stringSet }),
  status: nested({ conditions, addresses: mergeBy('type') }),
};

const service: TypePatchMeta = {
  metadata: nested(objectMeta),
  spec: nested({ ports: mergeBy('port') }),
  status: nested({ conditions }),
};

const namespace: TypePatchMeta = { metadata: nested(objectMeta), status: nested({ conditions }) };

const serviceAccount: TypePatchMeta = { metadata: nested(objectMeta), secrets: mergeBy('name') };

const deploymentSpec: TypePatchMeta = {
  template: nested(podTemplateSpec),
  strategy: { retainKeys: true },
};

/** `${group}/${kind}`, with '' for the core group. */
const byGroupKind: ReadonlyMap<string, TypePatchMeta> = new Map([
  ['/Pod', pod],
  ['/Node', node],
  ['/Service', service],
  // Endpoints subsets and their addresses/ports are replaced whole.
  ['/Endpoints', metadataOnly],
  ['/ConfigMap', metadataOnly],
  ['/Secret', metadataOnly],
  ['/Namespace', namespace],
  ['/ServiceAccount', serviceAccount],
  ['/Event', metadataOnly],
  ['apps/Deployment', withStatusConditions(deploymentSpec)],
  ['apps/ReplicaSet', withStatusConditions({ template: nested(podTemplateSpec) })],
  ['apps/DaemonSet', withStatusConditions({ template: nested(podTemplateSpec) })],
  ['apps/StatefulSet', withStatusConditions({ template: nested(podTemplateSpec) })],
  ['batch/Job', withStatusConditions(jobSpec)],
  ['batch/CronJob', {
    metadata: nested(objectMeta),
    spec: nested({ jobTemplate: nested({ metadata: nested(objectMeta), spec: nested(jobSpec) }) }),
  }],
  ['coordination.k8s.io/Lease', metadataOnly],
  ['/PodTemplate', { metadata: nested(objectMeta), template: nested(podTemplateSpec) }],
  // data is a whole object of any kind, replaced as a unit.
  ['apps/ControllerRevision', metadataOnly],
  ['/PersistentVolumeClaim', { metadata: nested(objectMeta), status: nested({ conditions }) }],
  ['/PersistentVolume', metadataOnly],
  ['storage.k8s.io/StorageClass', metadataOnly],
  ['/ReplicationController', withStatusConditions({ template: nested(podTemplateSpec) })],
  ['/ResourceQuota', metadataOnly],
  ['/LimitRange', metadataOnly],
  ['networking.k8s.io/Ingress', metadataOnly],
  ['networking.k8s.io/IngressClass', metadataOnly],
  ['scheduling.k8s.io/PriorityClass', metadataOnly],
  ['node.k8s.io/RuntimeClass', metadataOnly],
  // endpoints and ports of a slice are replaced whole.
  ['discovery.k8s.io/EndpointSlice', metadataOnly],
  ['events.k8s.io/Event', metadataOnly],
  // No list in a NetworkPolicy carries a patch strategy upstream: rules, ports and peers are replaced whole.
  ['networking.k8s.io/NetworkPolicy', metadataOnly],
  // rules, subjects and aggregation selectors carry no patch strategy upstream: replaced whole.
  ['rbac.authorization.k8s.io/Role', metadataOnly],
  ['rbac.authorization.k8s.io/ClusterRole', metadataOnly],
  ['rbac.authorization.k8s.io/RoleBinding', metadataOnly],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', metadataOnly],
]);

/**
 * The strategic-merge-patch metadata of a served built-in kind, or undefined for kinds without
 * Go types upstream (custom resources), which answer 415 to a strategic merge patch.
 */
export function patchMetaFor(group: string, kind: string): TypePatchMeta | undefined {
  return byGroupKind.get(`${group}/${kind}`);
}
