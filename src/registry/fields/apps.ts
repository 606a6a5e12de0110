// apps/v1 Deployment, ReplicaSet, DaemonSet.
import { top } from './meta.js';
import type { TypeSpecs } from './types.js';

const condition = 'type status lastTransitionTime:time reason message';

export const appsTypes: TypeSpecs = {
  Deployment: `${top} spec:DeploymentSpec status:DeploymentStatus`,
  DeploymentSpec:
    'replicas:int selector:LabelSelector template:PodTemplateSpec strategy:DeploymentStrategy minReadySeconds:int ' +
    'revisionHistoryLimit:int paused:bool progressDeadlineSeconds:int',
  DeploymentStrategy: 'type rollingUpdate:RollingUpdateDeployment',
  RollingUpdateDeployment: 'maxUnavailable:intOrString maxSurge:intOrString',
  DeploymentStatus:
    'observedGeneration:int64 replicas:int updatedReplicas:int readyReplicas:int availableReplicas:int ' +
    'unavailableReplicas:int conditions:[DeploymentCondition] collisionCount:int',
  DeploymentCondition: `${condition} lastUpdateTime:time`,

  ReplicaSet: `${top} spec:ReplicaSetSpec status:ReplicaSetStatus`,
  ReplicaSetSpec: 'replicas:int minReadySeconds:int selector:LabelSelector template:PodTemplateSpec',
  ReplicaSetStatus:
    'replicas:int fullyLabeledReplicas:int readyReplicas:int availableReplicas:int observedGeneration:int64 conditions:[ReplicaSetCondition]',
  ReplicaSetCondition: condition,

  DaemonSet: `${top} spec:DaemonSetSpec status:DaemonSetStatus`,
  DaemonSetSpec:
    'selector:LabelSelector template:PodTemplateSpec updateStrategy:DaemonSetUpdateStrategy minReadySeconds:int revisionHistoryLimit:int',
  DaemonSetUpdateStrategy: 'type rollingUpdate:RollingUpdateDaemonSet',
  RollingUpdateDaemonSet: 'maxUnavailable:intOrString maxSurge:intOrString',
  DaemonSetStatus:
    'currentNumberScheduled:int numberMisscheduled:int desiredNumberScheduled:int numberReady:int observedGeneration:int64 ' +
    'updatedNumberScheduled:int numberAvailable:int numberUnavailable:int collisionCount:int conditions:[DaemonSetCondition]',
  DaemonSetCondition: condition,
};
