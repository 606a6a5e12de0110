// core/v1 kinds other than the pod internals (those are in core-pod.ts).
import { top } from './meta.js';
import type { TypeSpecs } from './types.js';

export const coreTypes: TypeSpecs = {
  Namespace: `${top} spec:NamespaceSpec status:NamespaceStatus`,
  NamespaceSpec: 'finalizers:[string]',
  NamespaceStatus: 'phase conditions:[NamespaceCondition]',
  NamespaceCondition: 'type status lastTransitionTime:time reason message',

  Node: `${top} spec:NodeSpec status:NodeStatus`,
  NodeSpec: 'podCIDR podCIDRs:[string] providerID unschedulable:bool taints:[Taint] configSource:NodeConfigSource externalID',
  Taint: 'key value effect timeAdded:time',
  NodeConfigSource: 'configMap:ConfigMapNodeConfigSource',
  ConfigMapNodeConfigSource: 'namespace name uid resourceVersion kubeletConfigKey',
  NodeStatus:
    'capacity:{quantity} allocatable:{quantity} phase conditions:[NodeCondition] addresses:[NodeAddress] ' +
    'daemonEndpoints:NodeDaemonEndpoints nodeInfo:NodeSystemInfo images:[ContainerImage] volumesInUse:[string] ' +
    'volumesAttached:[AttachedVolume] config:NodeConfigStatus runtimeHandlers:[NodeRuntimeHandler] features:NodeFeatures',
  NodeCondition: 'type status lastHeartbeatTime:time lastTransitionTime:time reason message',
  NodeAddress: 'type address',
  NodeDaemonEndpoints: 'kubeletEndpoint:DaemonEndpoint',
  // Upstream spells this one field with a capital letter.
  DaemonEndpoint: 'Port:int',
  NodeSystemInfo:
    'machineID systemUUID bootID kernelVersion osImage containerRuntimeVersion kubeletVersion kubeProxyVersion ' +
    'operatingSystem architecture',
  ContainerImage: 'names:[string] sizeBytes:int64',
  AttachedVolume: 'name devicePath',
  NodeConfigStatus: 'assigned:NodeConfigSource active:NodeConfigSource lastKnownGood:NodeConfigSource error',
  NodeRuntimeHandler: 'name features:NodeRuntimeHandlerFeatures',
  NodeRuntimeHandlerFeatures: 'recursiveReadOnlyMounts:bool userNamespaces:bool',
  NodeFeatures: 'supplementalGroupsPolicy:bool',

  Pod: `${top} spec:PodSpec status:PodStatus`,

  Service: `${top} spec:ServiceSpec status:ServiceStatus`,
  ServiceSpec:
    'ports:[ServicePort] selector:{string} clusterIP clusterIPs:[string] type externalIPs:[string] sessionAffinity ' +
    'loadBalancerIP loadBalancerSourceRanges:[string] externalName externalTrafficPolicy healthCheckNodePort:int ' +
    'publishNotReadyAddresses:bool sessionAffinityConfig:SessionAffinityConfig ipFamilies:[string] ipFamilyPolicy ' +
    'allocateLoadBalancerNodePorts:bool loadBalancerClass internalTrafficPolicy trafficDistribution',
  ServicePort: 'name protocol appProtocol port:int targetPort:intOrString nodePort:int',
  SessionAffinityConfig: 'clientIP:ClientIPConfig',
  ClientIPConfig: 'timeoutSeconds:int',
  ServiceStatus: 'loadBalancer:LoadBalancerStatus conditions:[Condition]',
  LoadBalancerStatus: 'ingress:[LoadBalancerIngress]',
  LoadBalancerIngress: 'ip hostname ipMode ports:[PortStatus]',
  PortStatus: 'port:int protocol error',

  Endpoints: `${top} subsets:[EndpointSubset]`,
  EndpointSubset: 'addresses:[EndpointAddress] notReadyAddresses:[EndpointAddress] ports:[EndpointPort]',
  EndpointAddress: 'ip hostname nodeName targetRef:ObjectReference',
  EndpointPort: 'name port:int protocol appProtocol',
  ObjectReference: 'kind namespace name uid apiVersion resourceVersion fieldPath',

  ConfigMap: `${top} immutable:bool data:{string} binaryData:{bytes}`,
  Secret: `${top} immutable:bool data:{bytes} stringData:{string} type`,
  ServiceAccount: `${top} secrets:[ObjectReference] imagePullSecrets:[LocalObjectReference] automountServiceAccountToken:bool`,

  Event:
    `${top} involvedObject:ObjectReference reason message source:EventSource firstTimestamp:time lastTimestamp:time ` +
    'count:int type eventTime:time series:EventSeries action related:ObjectReference reportingComponent reportingInstance',
  EventSource: 'component host',
  EventSeries: 'count:int lastObservedTime:time',
};
