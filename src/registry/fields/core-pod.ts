// core/v1 PodSpec, PodStatus and everything below them; also used by every pod template.
import type { TypeSpecs } from './types.js';

const containerFields =
  'name image command:[string] args:[string] workingDir ports:[ContainerPort] envFrom:[EnvFromSource] env:[EnvVar] ' +
  'resources:ResourceRequirements resizePolicy:[ContainerResizePolicy] restartPolicy volumeMounts:[VolumeMount] ' +
  'volumeDevices:[VolumeDevice] livenessProbe:Probe readinessProbe:Probe startupProbe:Probe lifecycle:Lifecycle ' +
  'terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext:SecurityContext stdin:bool stdinOnce:bool tty:bool';

const handlerFields = 'exec:ExecAction httpGet:HTTPGetAction tcpSocket:TCPSocketAction';

// Volume sources other than the common ones are free-form below their name.
const volumeSources =
  'hostPath:HostPathVolumeSource emptyDir:EmptyDirVolumeSource gcePersistentDisk:any awsElasticBlockStore:any gitRepo:any ' +
  'secret:SecretVolumeSource nfs:NFSVolumeSource iscsi:any glusterfs:any persistentVolumeClaim:PersistentVolumeClaimVolumeSource ' +
  'rbd:any flexVolume:any cinder:any cephfs:any flocker:any downwardAPI:DownwardAPIVolumeSource fc:any azureFile:any ' +
  'configMap:ConfigMapVolumeSource vsphereVolume:any quobyte:any azureDisk:any photonPersistentDisk:any ' +
  'projected:ProjectedVolumeSource portworxVolume:any scaleIO:any storageos:any csi:CSIVolumeSource ' +
  'ephemeral:EphemeralVolumeSource image:ImageVolumeSource';

export const corePodTypes: TypeSpecs = {
  PodTemplateSpec: 'metadata:ObjectMeta spec:PodSpec',
  PodSpec:
    'volumes:[Volume] initContainers:[Container] containers:[Container] ephemeralContainers:[EphemeralContainer] ' +
    'restartPolicy terminationGracePeriodSeconds:int64 activeDeadlineSeconds:int64 dnsPolicy nodeSelector:{string} ' +
    'serviceAccountName serviceAccount automountServiceAccountToken:bool nodeName hostNetwork:bool hostPID:bool ' +
    'hostIPC:bool shareProcessNamespace:bool securityContext:PodSecurityContext imagePullSecrets:[LocalObjectReference] ' +
    'hostname subdomain affinity:Affinity schedulerName tolerations:[Toleration] hostAliases:[HostAlias] ' +
    'priorityClassName priority:int dnsConfig:PodDNSConfig readinessGates:[PodReadinessGate] runtimeClassName ' +
    'enableServiceLinks:bool preemptionPolicy overhead:{quantity} topologySpreadConstraints:[TopologySpreadConstraint] ' +
    'setHostnameAsFQDN:bool os:PodOS hostUsers:bool schedulingGates:[PodSchedulingGate] ' +
    'resourceClaims:[PodResourceClaim] resources:ResourceRequirements',

  Container: containerFields,
  EphemeralContainer: `${containerFields} targetContainerName`,
  ContainerPort: 'name hostPort:int containerPort:int protocol hostIP',
  EnvFromSource: 'prefix configMapRef:ConfigMapEnvSource secretRef:SecretEnvSource',
  ConfigMapEnvSource: 'name optional:bool',
  SecretEnvSource: 'name optional:bool',
  EnvVar: 'name value valueFrom:EnvVarSource',
  EnvVarSource:
    'fieldRef:ObjectFieldSelector resourceFieldRef:ResourceFieldSelector configMapKeyRef:ConfigMapKeySelector secretKeyRef:SecretKeySelector',
  ObjectFieldSelector: 'apiVersion fieldPath',
  ResourceFieldSelector: 'containerName resource divisor:quantity',
  ConfigMapKeySelector: 'name key optional:bool',
  SecretKeySelector: 'name key optional:bool',
  ResourceRequirements: 'limits:{quantity} requests:{quantity} claims:[ResourceClaim]',
  ResourceClaim: 'name request',
  ContainerResizePolicy: 'resourceName restartPolicy',
  VolumeMount: 'name readOnly:bool recursiveReadOnly mountPath subPath mountPropagation subPathExpr',
  VolumeDevice: 'name devicePath',

  Probe: `${handlerFields} grpc:GRPCAction initialDelaySeconds:int timeoutSeconds:int periodSeconds:int successThreshold:int failureThreshold:int terminationGracePeriodSeconds:int64`,
  ExecAction: 'command:[string]',
  HTTPGetAction: 'path port:intOrString host scheme httpHeaders:[HTTPHeader]',
  HTTPHeader: 'name value',
  TCPSocketAction: 'port:intOrString host',
  GRPCAction: 'port:int service',
  Lifecycle: 'postStart:LifecycleHandler preStop:LifecycleHandler',
  LifecycleHandler: `${handlerFields} sleep:SleepAction`,
  SleepAction: 'seconds:int64',

  SecurityContext:
    'capabilities:Capabilities privileged:bool seLinuxOptions:SELinuxOptions windowsOptions:WindowsSecurityContextOptions ' +
    'runAsUser:int64 runAsGroup:int64 runAsNonRoot:bool readOnlyRootFilesystem:bool allowPrivilegeEscalation:bool procMount ' +
    'seccompProfile:SeccompProfile appArmorProfile:AppArmorProfile',
  PodSecurityContext:
    'seLinuxOptions:SELinuxOptions windowsOptions:WindowsSecurityContextOptions runAsUser:int64 runAsGroup:int64 runAsNonRoot:bool ' +
    'supplementalGroups:[int64] supplementalGroupsPolicy fsGroup:int64 sysctls:[Sysctl] fsGroupChangePolicy ' +
    'seccompProfile:SeccompProfile appArmorProfile:AppArmorProfile seLinuxChangePolicy',
  Capabilities: 'add:[string] drop:[string]',
  SELinuxOptions: 'user role type level',
  WindowsSecurityContextOptions: 'gmsaCredentialSpecName gmsaCredentialSpec runAsUserName hostProcess:bool',
  SeccompProfile: 'type localhostProfile',
  AppArmorProfile: 'type localhostProfile',
  Sysctl: 'name value',
  LocalObjectReference: 'name',

  Affinity: 'nodeAffinity:NodeAffinity podAffinity:PodAffinity podAntiAffinity:PodAntiAffinity',
  NodeAffinity:
    'requiredDuringSchedulingIgnoredDuringExecution:NodeSelector preferredDuringSchedulingIgnoredDuringExecution:[PreferredSchedulingTerm]',
  NodeSelector: 'nodeSelectorTerms:[NodeSelectorTerm]',
  NodeSelectorTerm: 'matchExpressions:[NodeSelectorRequirement] matchFields:[NodeSelectorRequirement]',
  NodeSelectorRequirement: 'key operator values:[string]',
  PreferredSchedulingTerm: 'weight:int preference:NodeSelectorTerm',
  PodAffinity:
    'requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm] preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm]',
  PodAntiAffinity:
    'requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm] preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm]',
  PodAffinityTerm:
    'labelSelector:LabelSelector namespaces:[string] topologyKey namespaceSelector:LabelSelector matchLabelKeys:[string] mismatchLabelKeys:[string]',
  WeightedPodAffinityTerm: 'weight:int podAffinityTerm:PodAffinityTerm',
  Toleration: 'key operator value effect tolerationSeconds:int64',
  HostAlias: 'ip hostnames:[string]',
  PodDNSConfig: 'nameservers:[string] searches:[string] options:[PodDNSConfigOption]',
  PodDNSConfigOption: 'name value',
  PodReadinessGate: 'conditionType',
  TopologySpreadConstraint:
    'maxSkew:int topologyKey whenUnsatisfiable labelSelector:LabelSelector minDomains:int nodeAffinityPolicy nodeTaintsPolicy matchLabelKeys:[string]',
  PodOS: 'name',
  PodSchedulingGate: 'name',
  PodResourceClaim: 'name resourceClaimName resourceClaimTemplateName',

  Volume: `name ${volumeSources}`,
  HostPathVolumeSource: 'path type',
  EmptyDirVolumeSource: 'medium sizeLimit:quantity',
  SecretVolumeSource: 'secretName items:[KeyToPath] defaultMode:int optional:bool',
  ConfigMapVolumeSource: 'name items:[KeyToPath] defaultMode:int optional:bool',
  KeyToPath: 'key path mode:int',
  NFSVolumeSource: 'server path readOnly:bool',
  PersistentVolumeClaimVolumeSource: 'claimName readOnly:bool',
  DownwardAPIVolumeSource: 'items:[DownwardAPIVolumeFile] defaultMode:int',
  DownwardAPIVolumeFile: 'path fieldRef:ObjectFieldSelector resourceFieldRef:ResourceFieldSelector mode:int',
  ProjectedVolumeSource: 'sources:[VolumeProjection] defaultMode:int',
  VolumeProjection:
    'secret:SecretProjection downwardAPI:DownwardAPIProjection configMap:ConfigMapProjection ' +
    'serviceAccountToken:ServiceAccountTokenProjection clusterTrustBundle:ClusterTrustBundleProjection',
  SecretProjection: 'name items:[KeyToPath] optional:bool',
  ConfigMapProjection: 'name items:[KeyToPath] optional:bool',
  DownwardAPIProjection: 'items:[DownwardAPIVolumeFile]',
  ServiceAccountTokenProjection: 'audience expirationSeconds:int64 path',
  ClusterTrustBundleProjection: 'name signerName labelSelector:LabelSelector optional:bool path',
  CSIVolumeSource: 'driver readOnly:bool fsType volumeAttributes:{string} nodePublishSecretRef:LocalObjectReference',
  ImageVolumeSource: 'reference pullPolicy',
  EphemeralVolumeSource: 'volumeClaimTemplate:PersistentVolumeClaimTemplate',
  PersistentVolumeClaimTemplate: 'metadata:ObjectMeta spec:PersistentVolumeClaimSpec',
  PersistentVolumeClaimSpec:
    'accessModes:[string] selector:LabelSelector resources:VolumeResourceRequirements volumeName storageClassName ' +
    'volumeMode dataSource:any dataSourceRef:any volumeAttributesClassName',
  VolumeResourceRequirements: 'limits:{quantity} requests:{quantity}',

  PodStatus:
    'phase conditions:[PodCondition] message reason nominatedNodeName hostIP hostIPs:[HostIP] podIP podIPs:[PodIP] ' +
    'startTime:time initContainerStatuses:[ContainerStatus] containerStatuses:[ContainerStatus] qosClass ' +
    'ephemeralContainerStatuses:[ContainerStatus] resize resourceClaimStatuses:[PodResourceClaimStatus]',
  PodCondition: 'type status lastProbeTime:time lastTransitionTime:time reason message',
  HostIP: 'ip',
  PodIP: 'ip',
  ContainerStatus:
    'name state:ContainerState lastState:ContainerState ready:bool restartCount:int image imageID containerID started:bool ' +
    'allocatedResources:{quantity} resources:ResourceRequirements volumeMounts:[VolumeMountStatus] user:ContainerUser ' +
    'allocatedResourcesStatus:[ResourceStatus]',
  ContainerState: 'waiting:ContainerStateWaiting running:ContainerStateRunning terminated:ContainerStateTerminated',
  ContainerStateWaiting: 'reason message',
  ContainerStateRunning: 'startedAt:time',
  ContainerStateTerminated: 'exitCode:int signal:int reason message startedAt:time finishedAt:time containerID',
  VolumeMountStatus: 'name mountPath readOnly:bool recursiveReadOnly',
  ContainerUser: 'linux:LinuxContainerUser',
  LinuxContainerUser: 'uid:int64 gid:int64 supplementalGroups:[int64]',
  ResourceStatus: 'name resources:[ResourceHealth]',
  ResourceHealth: 'resourceID health',
  PodResourceClaimStatus: 'name resourceClaimName',
};
