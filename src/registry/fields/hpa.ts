// autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler. The two versions share a kind name,
// so their roots are keyed by version (schema.ts); v1's types carry a V1 suffix.
import { top } from './meta.js';
import type { TypeSpecs } from './types.js';

const condition = 'type status lastTransitionTime:time reason message';

export const hpaTypes: TypeSpecs = {
  HorizontalPodAutoscaler: `${top} spec:HorizontalPodAutoscalerSpec status:HorizontalPodAutoscalerStatus`,
  HorizontalPodAutoscalerSpec:
    'scaleTargetRef:CrossVersionObjectReference minReplicas:int maxReplicas:int metrics:[MetricSpec] behavior:HorizontalPodAutoscalerBehavior',
  CrossVersionObjectReference: 'kind name apiVersion',
  MetricSpec:
    'type object:ObjectMetricSource pods:PodsMetricSource resource:ResourceMetricSource ' +
    'containerResource:ContainerResourceMetricSource external:ExternalMetricSource',
  ObjectMetricSource: 'describedObject:CrossVersionObjectReference target:MetricTarget metric:MetricIdentifier',
  PodsMetricSource: 'metric:MetricIdentifier target:MetricTarget',
  ResourceMetricSource: 'name target:MetricTarget',
  ContainerResourceMetricSource: 'name target:MetricTarget container',
  ExternalMetricSource: 'metric:MetricIdentifier target:MetricTarget',
  MetricIdentifier: 'name selector:LabelSelector',
  MetricTarget: 'type value:quantity averageValue:quantity averageUtilization:int',
  HorizontalPodAutoscalerBehavior: 'scaleUp:HPAScalingRules scaleDown:HPAScalingRules',
  HPAScalingRules: 'stabilizationWindowSeconds:int selectPolicy policies:[HPAScalingPolicy] tolerance:quantity',
  HPAScalingPolicy: 'type value:int periodSeconds:int',
  HorizontalPodAutoscalerStatus:
    'observedGeneration:int64 lastScaleTime:time currentReplicas:int desiredReplicas:int currentMetrics:[MetricStatus] ' +
    'conditions:[HorizontalPodAutoscalerCondition]',
  MetricStatus:
    'type object:ObjectMetricStatus pods:PodsMetricStatus resource:ResourceMetricStatus ' +
    'containerResource:ContainerResourceMetricStatus external:ExternalMetricStatus',
  ObjectMetricStatus: 'metric:MetricIdentifier current:MetricValueStatus describedObject:CrossVersionObjectReference',
  PodsMetricStatus: 'metric:MetricIdentifier current:MetricValueStatus',
  ResourceMetricStatus: 'name current:MetricValueStatus',
  ContainerResourceMetricStatus: 'name current:MetricValueStatus container',
  ExternalMetricStatus: 'metric:MetricIdentifier current:MetricValueStatus',
  MetricValueStatus: 'value:quantity averageValue:quantity averageUtilization:int',
  HorizontalPodAutoscalerCondition: condition,

  HorizontalPodAutoscalerV1: `${top} spec:HorizontalPodAutoscalerSpecV1 status:HorizontalPodAutoscalerStatusV1`,
  HorizontalPodAutoscalerSpecV1: 'scaleTargetRef:CrossVersionObjectReference minReplicas:int maxReplicas:int targetCPUUtilizationPercentage:int',
  HorizontalPodAutoscalerStatusV1:
    'observedGeneration:int64 lastScaleTime:time currentReplicas:int desiredReplicas:int currentCPUUtilizationPercentage:int',
};
