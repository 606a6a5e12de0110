// Our own description of the Kubernetes protobuf messages kubectl's typed client sends.
// Field numbers and JSON names are facts of the Kubernetes wire format (k8s.io/api and
// k8s.io/apimachinery); the notation below is ours.
//
// One field is `jsonName=number:type` with optional suffixes:
//   []  repeated
//   ?   a Go pointer upstream: presence on the wire is meaningful, so a zero value survives
//       (replicas: 0) and an empty message becomes {} (emptyDir: {}). Without `?`, the Go
//       encoder writes the field even when it is zero, so zero values mean "unset" and are dropped.
//   ^   an embedded Go struct: its fields are flattened into the parent's JSON
// Types: string, bytes, bool, int32, int64, map<string,V>, or a message name below.
// Fields we leave out (status, rarely used alpha fields) are skipped on decode.

import type { IField, IMapField, INamespace, IType } from 'protobufjs';

export const MESSAGES: Record<string, string> = {
  // runtime / meta
  Unknown: 'typeMeta=1:TypeMeta raw=2:bytes contentEncoding=3:string contentType=4:string',
  TypeMeta: 'apiVersion=1:string kind=2:string',
  Time: 'seconds=1:int64 nanos=2:int32',
  Quantity: 'string=1:string',
  IntOrString: 'type=1:int64 intVal=2:int32 strVal=3:string',
  ObjectMeta:
    'name=1:string generateName=2:string namespace=3:string selfLink=4:string uid=5:string ' +
    'resourceVersion=6:string generation=7:int64 creationTimestamp=8:Time deletionTimestamp=9:Time? ' +
    'deletionGracePeriodSeconds=10:int64? labels=11:map<string,string> annotations=12:map<string,string> ' +
    'ownerReferences=13:OwnerReference[] finalizers=14:string[]',
  OwnerReference:
    'apiVersion=5:string kind=1:string name=3:string uid=4:string controller=6:bool? blockOwnerDeletion=7:bool?',
  // DeleteOptions: every field is a Go pointer (or a list), so a zero grace period survives.
  DeleteOptions:
    'gracePeriodSeconds=1:int64? preconditions=2:Preconditions? orphanDependents=3:bool? ' +
    'propagationPolicy=4:string? dryRun=5:string[]',
  Preconditions: 'uid=1:string? resourceVersion=2:string?',
  LabelSelector: 'matchLabels=1:map<string,string> matchExpressions=2:LabelSelectorRequirement[]',
  LabelSelectorRequirement: 'key=1:string operator=2:string values=3:string[]',

  // core/v1
  Namespace: 'metadata=1:ObjectMeta spec=2:NamespaceSpec',
  NamespaceSpec: 'finalizers=1:string[]',
  ConfigMap:
    'metadata=1:ObjectMeta immutable=4:bool? data=2:map<string,string> binaryData=3:map<string,bytes>',
  Secret:
    'metadata=1:ObjectMeta immutable=5:bool? data=2:map<string,bytes> stringData=4:map<string,string> type=3:string',
  ServiceAccount:
    'metadata=1:ObjectMeta secrets=2:ObjectReference[] imagePullSecrets=3:LocalObjectReference[] ' +
    'automountServiceAccountToken=4:bool?',
  ObjectReference:
    'kind=1:string namespace=2:string name=3:string uid=4:string apiVersion=5:string ' +
    'resourceVersion=6:string fieldPath=7:string',
  LocalObjectReference: 'name=1:string',
  Service: 'metadata=1:ObjectMeta spec=2:ServiceSpec',
  ServiceSpec:
    'ports=1:ServicePort[] selector=2:map<string,string> clusterIP=3:string clusterIPs=18:string[] ' +
    'type=4:string externalIPs=5:string[] sessionAffinity=7:string loadBalancerIP=8:string ' +
    'loadBalancerSourceRanges=9:string[] externalName=10:string externalTrafficPolicy=11:string ' +
    'healthCheckNodePort=12:int32 publishNotReadyAddresses=13:bool sessionAffinityConfig=14:SessionAffinityConfig? ' +
    'ipFamilies=19:string[] ipFamilyPolicy=17:string? allocateLoadBalancerNodePorts=20:bool? ' +
    'loadBalancerClass=21:string? internalTrafficPolicy=22:string? trafficDistribution=23:string?',
  ServicePort:
    'name=1:string protocol=2:string appProtocol=6:string? port=3:int32 targetPort=4:IntOrString nodePort=5:int32',
  SessionAffinityConfig: 'clientIP=1:ClientIPConfig?',
  ClientIPConfig: 'timeoutSeconds=1:int32?',
  Pod: 'metadata=1:ObjectMeta spec=2:PodSpec',
  PodTemplateSpec: 'metadata=1:ObjectMeta spec=2:PodSpec',
  PodSpec:
    'volumes=1:Volume[] initContainers=20:Container[] containers=2:Container[] restartPolicy=3:string ' +
    'terminationGracePeriodSeconds=4:int64? activeDeadlineSeconds=5:int64? dnsPolicy=6:string ' +
    'nodeSelector=7:map<string,string> serviceAccountName=8:string serviceAccount=9:string ' +
    'automountServiceAccountToken=21:bool? nodeName=10:string hostNetwork=11:bool hostPID=12:bool ' +
    'hostIPC=13:bool shareProcessNamespace=27:bool? securityContext=14:PodSecurityContext? ' +
    'imagePullSecrets=15:LocalObjectReference[] hostname=16:string subdomain=17:string affinity=18:Affinity? ' +
    'schedulerName=19:string tolerations=22:Toleration[] hostAliases=23:HostAlias[] priorityClassName=24:string ' +
    'priority=25:int32? dnsConfig=26:PodDNSConfig? readinessGates=28:PodReadinessGate[] ' +
    'runtimeClassName=29:string? enableServiceLinks=30:bool? preemptionPolicy=31:string? ' +
    'topologySpreadConstraints=33:TopologySpreadConstraint[] setHostnameAsFQDN=35:bool? os=36:PodOS? ' +
    'hostUsers=37:bool?',
  PodOS: 'name=1:string',
  PodReadinessGate: 'conditionType=1:string',
  Container:
    'name=1:string image=2:string command=3:string[] args=4:string[] workingDir=5:string ' +
    'ports=6:ContainerPort[] envFrom=19:EnvFromSource[] env=7:EnvVar[] resources=8:ResourceRequirements ' +
    'resizePolicy=23:ContainerResizePolicy[] restartPolicy=24:string? volumeMounts=9:VolumeMount[] ' +
    'livenessProbe=10:Probe? readinessProbe=11:Probe? startupProbe=22:Probe? lifecycle=12:Lifecycle? ' +
    'terminationMessagePath=13:string terminationMessagePolicy=20:string imagePullPolicy=14:string ' +
    'securityContext=15:SecurityContext? stdin=16:bool stdinOnce=17:bool tty=18:bool',
  ContainerPort: 'name=1:string hostPort=2:int32 containerPort=3:int32 protocol=4:string hostIP=5:string',
  EnvVar: 'name=1:string value=2:string valueFrom=3:EnvVarSource?',
  EnvVarSource:
    'fieldRef=1:ObjectFieldSelector? resourceFieldRef=2:ResourceFieldSelector? ' +
    'configMapKeyRef=3:ConfigMapKeySelector? secretKeyRef=4:SecretKeySelector?',
  ObjectFieldSelector: 'apiVersion=1:string fieldPath=2:string',
  ResourceFieldSelector: 'containerName=1:string resource=2:string divisor=3:Quantity',
  ConfigMapKeySelector: 'localObjectReference=1:LocalObjectReference^ key=2:string optional=3:bool?',
  SecretKeySelector: 'localObjectReference=1:LocalObjectReference^ key=2:string optional=3:bool?',
  EnvFromSource: 'prefix=1:string configMapRef=2:ConfigMapEnvSource? secretRef=3:SecretEnvSource?',
  ConfigMapEnvSource: 'localObjectReference=1:LocalObjectReference^ optional=2:bool?',
  SecretEnvSource: 'localObjectReference=1:LocalObjectReference^ optional=2:bool?',
  ResourceRequirements:
    'limits=1:map<string,Quantity> requests=2:map<string,Quantity> claims=3:ResourceClaim[]',
  ResourceClaim: 'name=1:string request=2:string',
  ContainerResizePolicy: 'resourceName=1:string restartPolicy=2:string',
  VolumeMount:
    'name=1:string readOnly=2:bool recursiveReadOnly=7:string? mountPath=3:string subPath=4:string ' +
    'mountPropagation=5:string? subPathExpr=6:string',
  Volume: 'name=1:string volumeSource=2:VolumeSource^',
  VolumeSource:
    'hostPath=1:HostPathVolumeSource? emptyDir=2:EmptyDirVolumeSource? secret=6:SecretVolumeSource? ' +
    'persistentVolumeClaim=10:PersistentVolumeClaimVolumeSource? downwardAPI=16:DownwardAPIVolumeSource? ' +
    'configMap=19:ConfigMapVolumeSource? projected=26:ProjectedVolumeSource?',
  HostPathVolumeSource: 'path=1:string type=2:string?',
  EmptyDirVolumeSource: 'medium=1:string sizeLimit=2:Quantity?',
  SecretVolumeSource: 'secretName=1:string items=2:KeyToPath[] defaultMode=3:int32? optional=4:bool?',
  ConfigMapVolumeSource:
    'localObjectReference=1:LocalObjectReference^ items=2:KeyToPath[] defaultMode=3:int32? optional=4:bool?',
  KeyToPath: 'key=1:string path=2:string mode=3:int32?',
  PersistentVolumeClaimVolumeSource: 'claimName=1:string readOnly=2:bool',
  DownwardAPIVolumeSource: 'items=1:DownwardAPIVolumeFile[] defaultMode=2:int32?',
  DownwardAPIVolumeFile:
    'path=1:string fieldRef=2:ObjectFieldSelector? resourceFieldRef=3:ResourceFieldSelector? mode=4:int32?',
  ProjectedVolumeSource: 'sources=1:VolumeProjection[] defaultMode=2:int32?',
  VolumeProjection:
    'secret=1:SecretProjection? downwardAPI=2:DownwardAPIProjection? configMap=3:ConfigMapProjection? ' +
    'serviceAccountToken=4:ServiceAccountTokenProjection?',
  DownwardAPIProjection: 'items=1:DownwardAPIVolumeFile[]',
  ServiceAccountTokenProjection: 'audience=1:string expirationSeconds=2:int64? path=3:string',
  ConfigMapProjection: 'localObjectReference=1:LocalObjectReference^ items=2:KeyToPath[] optional=4:bool?',
  SecretProjection: 'localObjectReference=1:LocalObjectReference^ items=2:KeyToPath[] optional=4:bool?',
  Probe:
    'handler=1:ProbeHandler^ initialDelaySeconds=2:int32 timeoutSeconds=3:int32 periodSeconds=4:int32 ' +
    'successThreshold=5:int32 failureThreshold=6:int32 terminationGracePeriodSeconds=7:int64?',
  ProbeHandler:
    'exec=1:ExecAction? httpGet=2:HTTPGetAction? tcpSocket=3:TCPSocketAction? grpc=4:GRPCAction?',
  ExecAction: 'command=1:string[]',
  HTTPGetAction: 'path=1:string port=2:IntOrString host=3:string scheme=4:string httpHeaders=5:HTTPHeader[]',
  HTTPHeader: 'name=1:string value=2:string',
  TCPSocketAction: 'port=1:IntOrString host=2:string',
  GRPCAction: 'port=1:int32 service=2:string?',
  Lifecycle: 'postStart=1:LifecycleHandler? preStop=2:LifecycleHandler?',
  LifecycleHandler:
    'exec=1:ExecAction? httpGet=2:HTTPGetAction? tcpSocket=3:TCPSocketAction? sleep=4:SleepAction?',
  SleepAction: 'seconds=1:int64',
  Toleration: 'key=1:string operator=2:string value=3:string effect=4:string tolerationSeconds=5:int64?',
  SecurityContext:
    'capabilities=1:Capabilities? privileged=2:bool? runAsUser=4:int64? runAsGroup=8:int64? ' +
    'runAsNonRoot=5:bool? readOnlyRootFilesystem=6:bool? allowPrivilegeEscalation=7:bool? ' +
    'procMount=9:string? seccompProfile=11:SeccompProfile?',
  Capabilities: 'add=1:string[] drop=2:string[]',
  SeccompProfile: 'type=1:string localhostProfile=2:string?',
  PodSecurityContext:
    'runAsUser=2:int64? runAsGroup=6:int64? runAsNonRoot=3:bool? supplementalGroups=4:int64[] ' +
    'fsGroup=5:int64? sysctls=7:Sysctl[] fsGroupChangePolicy=9:string? seccompProfile=10:SeccompProfile?',
  Sysctl: 'name=1:string value=2:string',
  PodDNSConfig: 'nameservers=1:string[] searches=2:string[] options=3:PodDNSConfigOption[]',
  PodDNSConfigOption: 'name=1:string value=2:string?',
  HostAlias: 'ip=1:string hostnames=2:string[]',
  TopologySpreadConstraint:
    'maxSkew=1:int32 topologyKey=2:string whenUnsatisfiable=3:string labelSelector=4:LabelSelector? ' +
    'minDomains=5:int32? nodeAffinityPolicy=6:string? nodeTaintsPolicy=7:string? matchLabelKeys=8:string[]',
  Affinity: 'nodeAffinity=1:NodeAffinity? podAffinity=2:PodAffinity? podAntiAffinity=3:PodAffinity?',
  NodeAffinity:
    'requiredDuringSchedulingIgnoredDuringExecution=1:NodeSelector? ' +
    'preferredDuringSchedulingIgnoredDuringExecution=2:PreferredSchedulingTerm[]',
  NodeSelector: 'nodeSelectorTerms=1:NodeSelectorTerm[]',
  NodeSelectorTerm: 'matchExpressions=1:NodeSelectorRequirement[] matchFields=2:NodeSelectorRequirement[]',
  NodeSelectorRequirement: 'key=1:string operator=2:string values=3:string[]',
  PreferredSchedulingTerm: 'weight=1:int32 preference=2:NodeSelectorTerm',
  // PodAntiAffinity has the same shape and numbers as PodAffinity, so one message serves both.
  PodAffinity:
    'requiredDuringSchedulingIgnoredDuringExecution=1:PodAffinityTerm[] ' +
    'preferredDuringSchedulingIgnoredDuringExecution=2:WeightedPodAffinityTerm[]',
  PodAffinityTerm:
    'labelSelector=1:LabelSelector? namespaces=2:string[] topologyKey=3:string ' +
    'namespaceSelector=4:LabelSelector? matchLabelKeys=5:string[] mismatchLabelKeys=6:string[]',
  WeightedPodAffinityTerm: 'weight=1:int32 podAffinityTerm=2:PodAffinityTerm',

  // apps/v1
  // autoscaling/v1 and v2 (kubectl autoscale: 1.32 creates v1, 1.35 tries v2 first)
  CrossVersionObjectReference: 'kind=1:string name=2:string apiVersion=3:string',
  HorizontalPodAutoscalerV1: 'metadata=1:ObjectMeta spec=2:HorizontalPodAutoscalerSpecV1',
  HorizontalPodAutoscalerSpecV1:
    'scaleTargetRef=1:CrossVersionObjectReference minReplicas=2:int32? maxReplicas=3:int32 targetCPUUtilizationPercentage=4:int32?',
  HorizontalPodAutoscaler: 'metadata=1:ObjectMeta spec=2:HorizontalPodAutoscalerSpec',
  HorizontalPodAutoscalerSpec:
    'scaleTargetRef=1:CrossVersionObjectReference minReplicas=2:int32? maxReplicas=3:int32 metrics=4:MetricSpec[] ' +
    'behavior=5:HorizontalPodAutoscalerBehavior?',
  MetricSpec:
    'type=1:string object=2:ObjectMetricSource? pods=3:PodsMetricSource? resource=4:ResourceMetricSource? ' +
    'containerResource=7:ContainerResourceMetricSource? external=5:ExternalMetricSource?',
  MetricTarget: 'type=1:string value=2:Quantity? averageValue=3:Quantity? averageUtilization=4:int32?',
  MetricIdentifier: 'name=1:string selector=2:LabelSelector?',
  ResourceMetricSource: 'name=1:string target=2:MetricTarget',
  ContainerResourceMetricSource: 'name=1:string target=2:MetricTarget container=3:string',
  PodsMetricSource: 'metric=1:MetricIdentifier target=2:MetricTarget',
  ObjectMetricSource: 'describedObject=1:CrossVersionObjectReference target=2:MetricTarget metric=3:MetricIdentifier',
  ExternalMetricSource: 'metric=1:MetricIdentifier target=2:MetricTarget',
  HorizontalPodAutoscalerBehavior: 'scaleUp=1:HPAScalingRules? scaleDown=2:HPAScalingRules?',
  HPAScalingRules: 'selectPolicy=1:string? policies=2:HPAScalingPolicy[] stabilizationWindowSeconds=3:int32? tolerance=4:Quantity?',
  HPAScalingPolicy: 'type=1:string value=2:int32 periodSeconds=3:int32',
  Deployment: 'metadata=1:ObjectMeta spec=2:DeploymentSpec',
  DeploymentSpec:
    'replicas=1:int32? selector=2:LabelSelector? template=3:PodTemplateSpec strategy=4:DeploymentStrategy ' +
    'minReadySeconds=5:int32 revisionHistoryLimit=6:int32? paused=7:bool progressDeadlineSeconds=9:int32?',
  DeploymentStrategy: 'type=1:string rollingUpdate=2:RollingUpdateDeployment?',
  RollingUpdateDeployment: 'maxUnavailable=1:IntOrString? maxSurge=2:IntOrString?',
  ReplicaSet: 'metadata=1:ObjectMeta spec=2:ReplicaSetSpec',
  ReplicaSetSpec:
    'replicas=1:int32? minReadySeconds=4:int32 selector=2:LabelSelector? template=3:PodTemplateSpec',
  DaemonSet: 'metadata=1:ObjectMeta spec=2:DaemonSetSpec',
  DaemonSetSpec:
    'selector=1:LabelSelector? template=2:PodTemplateSpec updateStrategy=3:DaemonSetUpdateStrategy ' +
    'minReadySeconds=4:int32 revisionHistoryLimit=6:int32?',
  DaemonSetUpdateStrategy: 'type=1:string rollingUpdate=2:RollingUpdateDaemonSet?',
  RollingUpdateDaemonSet: 'maxUnavailable=1:IntOrString? maxSurge=2:IntOrString?',

  // policy/v1 (pods/eviction) and autoscaling/v1 (the scale subresource of typed clients)
  Eviction: 'metadata=1:ObjectMeta deleteOptions=2:DeleteOptions?',
  PodDisruptionBudget: 'metadata=1:ObjectMeta spec=2:PodDisruptionBudgetSpec',
  PodDisruptionBudgetSpec:
    'minAvailable=1:IntOrString? selector=2:LabelSelector? maxUnavailable=3:IntOrString? unhealthyPodEvictionPolicy=4:string?',
  Scale: 'metadata=1:ObjectMeta spec=2:ScaleSpec status=3:ScaleStatus',
  ScaleSpec: 'replicas=1:int32',
  ScaleStatus: 'replicas=1:int32 selector=2:string',

  // batch/v1
  Job: 'metadata=1:ObjectMeta spec=2:JobSpec',
  JobSpec:
    'parallelism=1:int32? completions=2:int32? activeDeadlineSeconds=3:int64? backoffLimit=7:int32? ' +
    'backoffLimitPerIndex=12:int32? maxFailedIndexes=13:int32? selector=4:LabelSelector? ' +
    'manualSelector=5:bool? template=6:PodTemplateSpec ttlSecondsAfterFinished=8:int32? ' +
    'completionMode=9:string? suspend=10:bool? podReplacementPolicy=14:string? managedBy=15:string?',
  CronJob: 'metadata=1:ObjectMeta spec=2:CronJobSpec',
  CronJobSpec:
    'schedule=1:string timeZone=8:string? startingDeadlineSeconds=2:int64? concurrencyPolicy=3:string ' +
    'suspend=4:bool? jobTemplate=5:JobTemplateSpec successfulJobsHistoryLimit=6:int32? ' +
    'failedJobsHistoryLimit=7:int32?',
  JobTemplateSpec: 'metadata=1:ObjectMeta spec=2:JobSpec',

  // authorization.k8s.io/v1 and authentication.k8s.io/v1 (kubectl auth can-i / whoami)
  SelfSubjectAccessReview: 'metadata=1:ObjectMeta spec=2:SelfSubjectAccessReviewSpec',
  SelfSubjectAccessReviewSpec: 'resourceAttributes=1:ResourceAttributes? nonResourceAttributes=2:NonResourceAttributes?',
  ResourceAttributes: 'namespace=1:string verb=2:string group=3:string version=4:string resource=5:string subresource=6:string name=7:string',
  NonResourceAttributes: 'path=1:string verb=2:string',
  SelfSubjectReview: 'metadata=1:ObjectMeta',
  SubjectAccessReview: 'metadata=1:ObjectMeta spec=2:SubjectAccessReviewSpec',
  SubjectAccessReviewSpec:
    'resourceAttributes=1:ResourceAttributes? nonResourceAttributes=2:NonResourceAttributes? user=3:string groups=4:string[] uid=6:string',
  SelfSubjectRulesReview: 'metadata=1:ObjectMeta spec=2:SelfSubjectRulesReviewSpec',
  SelfSubjectRulesReviewSpec: 'namespace=1:string',
  // serviceaccounts/token (kubectl create token) and tokenreviews
  TokenRequest: 'metadata=1:ObjectMeta spec=2:TokenRequestSpec',
  TokenRequestSpec: 'audiences=1:string[] expirationSeconds=4:int64? boundObjectRef=3:BoundObjectReference?',
  BoundObjectReference: 'kind=1:string apiVersion=2:string name=3:string uid=4:string',
  TokenReview: 'metadata=1:ObjectMeta spec=2:TokenReviewSpec',
  TokenReviewSpec: 'token=1:string audiences=2:string[]',

  // rbac.authorization.k8s.io/v1 (kubectl create role|clusterrole|rolebinding|clusterrolebinding)
  Role: 'metadata=1:ObjectMeta rules=2:PolicyRule[]',
  ClusterRole: 'metadata=1:ObjectMeta rules=2:PolicyRule[] aggregationRule=3:AggregationRule?',
  PolicyRule: 'verbs=1:string[] apiGroups=2:string[] resources=3:string[] resourceNames=4:string[] nonResourceURLs=5:string[]',
  AggregationRule: 'clusterRoleSelectors=1:LabelSelector[]',
  RoleBinding: 'metadata=1:ObjectMeta subjects=2:RbacSubject[] roleRef=3:RoleRef',
  ClusterRoleBinding: 'metadata=1:ObjectMeta subjects=2:RbacSubject[] roleRef=3:RoleRef',
  RbacSubject: 'kind=1:string apiGroup=2:string name=3:string namespace=4:string',
  RoleRef: 'apiGroup=1:string kind=2:string name=3:string',

  // certificates.k8s.io/v1 (`kubectl certificate approve|deny` PUTs the whole object to /approval).
  // spec.extra is left out: the server sets who asked, from the request's user, and keeps it.
  CertificateSigningRequest: 'metadata=1:ObjectMeta spec=2:CertificateSigningRequestSpec status=3:CertificateSigningRequestStatus',
  CertificateSigningRequestSpec:
    'request=1:bytes signerName=7:string expirationSeconds=8:int32? usages=5:string[] username=2:string uid=3:string groups=4:string[]',
  CertificateSigningRequestStatus: 'conditions=1:CertificateSigningRequestCondition[] certificate=2:bytes',
  CertificateSigningRequestCondition:
    'type=1:string status=6:string reason=2:string message=3:string lastUpdateTime=4:Time lastTransitionTime=5:Time',

  // core/v1 ResourceQuota (`kubectl create quota`).
  ResourceQuota: 'metadata=1:ObjectMeta spec=2:ResourceQuotaSpec status=3:ResourceQuotaStatus',
  ResourceQuotaSpec: 'hard=1:map<string,Quantity> scopes=2:string[] scopeSelector=3:ScopeSelector?',
  ScopeSelector: 'matchExpressions=1:ScopedResourceSelectorRequirement[]',
  ScopedResourceSelectorRequirement: 'scopeName=1:string operator=2:string values=3:string[]',
  ResourceQuotaStatus: 'hard=1:map<string,Quantity> used=2:map<string,Quantity>',

  // networking.k8s.io/v1 Ingress and IngressClass (`kubectl create ingress|ingressclass`).
  Ingress: 'metadata=1:ObjectMeta spec=2:IngressSpec',
  IngressSpec: 'ingressClassName=4:string? defaultBackend=1:IngressBackend? tls=2:IngressTLS[] rules=3:IngressRule[]',
  IngressBackend: 'service=4:IngressServiceBackend? resource=3:TypedLocalObjectReference?',
  IngressServiceBackend: 'name=1:string port=2:ServiceBackendPort?',
  ServiceBackendPort: 'name=1:string number=2:int32',
  TypedLocalObjectReference: 'apiGroup=1:string? kind=2:string name=3:string',
  IngressTLS: 'hosts=1:string[] secretName=2:string',
  IngressRule: 'host=1:string ingressRuleValue=2:IngressRuleValue^',
  IngressRuleValue: 'http=1:HTTPIngressRuleValue?',
  HTTPIngressRuleValue: 'paths=1:HTTPIngressPath[]',
  HTTPIngressPath: 'path=1:string pathType=3:string? backend=2:IngressBackend',
  IngressClass: 'metadata=1:ObjectMeta spec=2:IngressClassSpec',
  IngressClassSpec: 'controller=1:string parameters=2:IngressClassParametersReference?',
  IngressClassParametersReference: 'apiGroup=1:string? kind=2:string name=3:string scope=4:string? namespace=5:string?',

  // scheduling.k8s.io/v1 PriorityClass (`kubectl create priorityclass`).
  PriorityClass: 'metadata=1:ObjectMeta value=2:int32 globalDefault=3:bool description=4:string preemptionPolicy=5:string?',
};

/** Top-level kinds we can decode, keyed by `apiVersion/kind` as they appear in TypeMeta. */
export const TOP_LEVEL: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Service': 'Service',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Pod': 'Pod',
  'apps/v1/Deployment': 'Deployment',
  'apps/v1/ReplicaSet': 'ReplicaSet',
  'apps/v1/DaemonSet': 'DaemonSet',
  'batch/v1/Job': 'Job',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
  'autoscaling/v2/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'batch/v1/CronJob': 'CronJob',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'policy/v1/Eviction': 'Eviction',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'autoscaling/v1/Scale': 'Scale',
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
  'v1/ResourceQuota': 'ResourceQuota',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'networking.k8s.io/v1/IngressClass': 'IngressClass',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
};

/**
 * Option kinds every group version registers (metav1.AddToGroupVersion), so TypeMeta carries
 * whichever group version the client was built for: `v1`, `apps/v1`, `meta.k8s.io/v1`, ...
 * (helm deletes its release Secret with `{apiVersion: v1, kind: DeleteOptions}`).
 */
export const ANY_VERSION: Record<string, string> = {
  DeleteOptions: 'DeleteOptions',
};

export interface FieldSpec {
  json: string;
  id: number;
  type: string;
  /** For maps: the value type; `type` is then 'map'. */
  valueType?: string;
  repeated: boolean;
  /** A Go pointer upstream: present-but-zero survives. */
  pointer: boolean;
  inline: boolean;
}

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64']);
export const isScalar = (type: string): boolean => SCALARS.has(type);

const FIELD = /^(\w+)=(\d+):(map<string,(\w+)>|\w+)(\[\])?([?^]?)$/;

export function parseFields(message: string): FieldSpec[] {
  const text = MESSAGES[message];
  if (text === undefined) throw new Error(`protobuf schema: no message ${message}`);
  return text.split(/\s+/).filter(Boolean).map((token) => {
    const m = FIELD.exec(token);
    if (!m) throw new Error(`protobuf schema: bad field "${token}" in ${message}`);
    const [, json, id, type, mapValue, repeated, flag] = m;
    if (mapValue === undefined && !isScalar(type) && MESSAGES[type] === undefined) {
      throw new Error(`protobuf schema: ${message}.${json} refers to unknown message ${type}`);
    }
    return {
      json,
      id: Number(id),
      type: mapValue === undefined ? type : 'map',
      valueType: mapValue,
      repeated: repeated === '[]',
      pointer: flag === '?',
      inline: flag === '^',
    };
  });
}

/** The protobufjs JSON descriptor for every message above, in one flat namespace. */
export function protobufjsDescriptor(): INamespace {
  const nested: Record<string, IType> = {};
  for (const name of Object.keys(MESSAGES)) {
    const fields: IType['fields'] = {};
    for (const f of parseFields(name)) {
      const map: IMapField = { keyType: 'string', type: f.valueType!, id: f.id };
      const plain: IField = { type: f.type, id: f.id, ...(f.repeated ? { rule: 'repeated' } : {}) };
      fields[f.json] = f.type === 'map' ? map : plain;
    }
    nested[name] = { fields };
  }
  return { nested: { k3ts: { nested } } };
}
