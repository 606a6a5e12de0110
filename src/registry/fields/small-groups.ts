// coordination.k8s.io/v1, discovery.k8s.io/v1, events.k8s.io/v1, networking.k8s.io/v1, rbac.authorization.k8s.io/v1 and the reviews of
// authorization.k8s.io/v1 and authentication.k8s.io/v1. Types whose upstream name clashes
// with a core/v1 one carry their group as a prefix.
import { top } from './meta.js';
import type { TypeSpecs } from './types.js';

export const coordinationTypes: TypeSpecs = {
  Lease: `${top} spec:LeaseSpec`,
  LeaseSpec: 'holderIdentity leaseDurationSeconds:int acquireTime:time renewTime:time leaseTransitions:int strategy preferredHolder',
};

export const discoveryTypes: TypeSpecs = {
  EndpointSlice: `${top} addressType endpoints:[DiscoveryEndpoint] ports:[DiscoveryEndpointPort]`,
  DiscoveryEndpoint:
    'addresses:[string] conditions:EndpointConditions hostname targetRef:ObjectReference deprecatedTopology:{string} ' +
    'nodeName zone hints:EndpointHints',
  EndpointConditions: 'ready:bool serving:bool terminating:bool',
  EndpointHints: 'forZones:[ForZone]',
  ForZone: 'name',
  DiscoveryEndpointPort: 'name protocol port:int appProtocol',
};

export const networkingTypes: TypeSpecs = {
  NetworkPolicy: `${top} spec:NetworkPolicySpec`,
  NetworkPolicySpec:
    'podSelector:LabelSelector ingress:[NetworkPolicyIngressRule] egress:[NetworkPolicyEgressRule] policyTypes:[string]',
  NetworkPolicyIngressRule: 'ports:[NetworkPolicyPort] from:[NetworkPolicyPeer]',
  NetworkPolicyEgressRule: 'ports:[NetworkPolicyPort] to:[NetworkPolicyPeer]',
  NetworkPolicyPort: 'protocol port:intOrString endPort:int',
  NetworkPolicyPeer: 'podSelector:LabelSelector namespaceSelector:LabelSelector ipBlock:IPBlock',
  IPBlock: 'cidr except:[string]',
};

export const eventsTypes: TypeSpecs = {
  EventsEvent:
    `${top} eventTime:time series:EventSeries reportingController reportingInstance action reason regarding:ObjectReference ` +
    'related:ObjectReference note type deprecatedSource:EventSource deprecatedFirstTimestamp:time ' +
    'deprecatedLastTimestamp:time deprecatedCount:int',
};

/** policy/v1 Eviction, the body of pods/eviction. */
export const policyTypes: TypeSpecs = {
  Eviction: `${top} deleteOptions:DeleteOptions`,
};

/** autoscaling/v1 Scale, the body of every /scale subresource. */
export const autoscalingTypes: TypeSpecs = {
  Scale: `${top} spec:ScaleSpec status:ScaleStatus`,
  ScaleSpec: 'replicas:int',
  ScaleStatus: 'replicas:int selector',
};

/** rbac.authorization.k8s.io/v1. */
export const rbacTypes: TypeSpecs = {
  Role: `${top} rules:[PolicyRule]`,
  ClusterRole: `${top} rules:[PolicyRule] aggregationRule:AggregationRule`,
  PolicyRule: 'verbs:[string] apiGroups:[string] resources:[string] resourceNames:[string] nonResourceURLs:[string]',
  AggregationRule: 'clusterRoleSelectors:[LabelSelector]',
  RoleBinding: `${top} subjects:[RbacSubject] roleRef:RoleRef`,
  ClusterRoleBinding: `${top} subjects:[RbacSubject] roleRef:RoleRef`,
  RbacSubject: 'kind apiGroup name namespace',
  RoleRef: 'apiGroup kind name',
};

export const reviewTypes: TypeSpecs = {
  SelfSubjectAccessReview: `${top} spec:SelfSubjectAccessReviewSpec status:SubjectAccessReviewStatus`,
  SelfSubjectAccessReviewSpec: 'resourceAttributes:ResourceAttributes nonResourceAttributes:NonResourceAttributes',
  ResourceAttributes: 'namespace verb group version resource subresource name fieldSelector:any labelSelector:any',
  NonResourceAttributes: 'path verb',
  SubjectAccessReviewStatus: 'allowed:bool denied:bool reason evaluationError',
  SubjectAccessReview: `${top} spec:SubjectAccessReviewSpec status:SubjectAccessReviewStatus`,
  SubjectAccessReviewSpec:
    'resourceAttributes:ResourceAttributes nonResourceAttributes:NonResourceAttributes user groups:[string] extra:{[string]} uid',
  SelfSubjectRulesReview: `${top} spec:SelfSubjectRulesReviewSpec status:SubjectRulesReviewStatus`,
  SelfSubjectRulesReviewSpec: 'namespace',
  SubjectRulesReviewStatus: 'resourceRules:[ResourceRule] nonResourceRules:[NonResourceRule] incomplete:bool evaluationError',
  ResourceRule: 'verbs:[string] apiGroups:[string] resources:[string] resourceNames:[string]',
  NonResourceRule: 'verbs:[string] nonResourceURLs:[string]',
  SelfSubjectReview: `${top} status:SelfSubjectReviewStatus`,
  SelfSubjectReviewStatus: 'userInfo:UserInfo',
  UserInfo: 'username uid groups:[string] extra:{[string]}',
  TokenReview: `${top} spec:TokenReviewSpec status:TokenReviewStatus`,
  TokenReviewSpec: 'token audiences:[string]',
  TokenReviewStatus: 'authenticated:bool user:UserInfo audiences:[string] error',
};
