// The names kubectl resolves (`kubectl get po`, `kubectl get all`) must match upstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptors, findByKind, findByResource } from './index.js';

test('short names, categories and scope match kube-apiserver', () => {
  const want: Record<string, { short?: string[]; all?: boolean; namespaced: boolean }> = {
    '/pods': { short: ['po'], all: true, namespaced: true },
    '/services': { short: ['svc'], all: true, namespaced: true },
    '/namespaces': { short: ['ns'], namespaced: false },
    '/nodes': { short: ['no'], namespaced: false },
    '/configmaps': { short: ['cm'], namespaced: true },
    '/endpoints': { short: ['ep'], namespaced: true },
    '/serviceaccounts': { short: ['sa'], namespaced: true },
    '/events': { short: ['ev'], namespaced: true },
    '/secrets': { namespaced: true },
    'apps/deployments': { short: ['deploy'], all: true, namespaced: true },
    'apps/replicasets': { short: ['rs'], all: true, namespaced: true },
    'apps/daemonsets': { short: ['ds'], all: true, namespaced: true },
    'batch/jobs': { all: true, namespaced: true },
    'autoscaling/horizontalpodautoscalers': { short: ['hpa'], all: true, namespaced: true },
    'coordination.k8s.io/leases': { namespaced: true },
    'discovery.k8s.io/endpointslices': { namespaced: true },
    'networking.k8s.io/networkpolicies': { short: ['netpol'], namespaced: true },
    'events.k8s.io/events': { short: ['ev'], namespaced: true },
    // No short names upstream for any RBAC kind.
    'rbac.authorization.k8s.io/roles': { namespaced: true },
    'rbac.authorization.k8s.io/clusterroles': { namespaced: false },
    'rbac.authorization.k8s.io/rolebindings': { namespaced: true },
    'rbac.authorization.k8s.io/clusterrolebindings': { namespaced: false },
    'authorization.k8s.io/selfsubjectaccessreviews': { namespaced: false },
    'authorization.k8s.io/selfsubjectrulesreviews': { namespaced: false },
    'authorization.k8s.io/subjectaccessreviews': { namespaced: false },
    'authorization.k8s.io/localsubjectaccessreviews': { namespaced: true },
    'authentication.k8s.io/selfsubjectreviews': { namespaced: false },
    'authentication.k8s.io/tokenreviews': { namespaced: false },
    '/podtemplates': { namespaced: true },
    'apps/controllerrevisions': { namespaced: true },
    'admissionregistration.k8s.io/validatingwebhookconfigurations': { namespaced: false },
    'admissionregistration.k8s.io/mutatingwebhookconfigurations': { namespaced: false },
    'certificates.k8s.io/certificatesigningrequests': { short: ['csr'], namespaced: false },
    'apiextensions.k8s.io/customresourcedefinitions': { short: ['crd', 'crds'], namespaced: false },
    '/persistentvolumes': { short: ['pv'], namespaced: false },
    '/persistentvolumeclaims': { short: ['pvc'], namespaced: true },
    'storage.k8s.io/storageclasses': { short: ['sc'], namespaced: false },
    'apps/statefulsets': { short: ['sts'], all: true, namespaced: true },
    'batch/cronjobs': { short: ['cj'], all: true, namespaced: true },
    'policy/poddisruptionbudgets': { short: ['pdb'], namespaced: true },
    '/resourcequotas': { short: ['quota'], namespaced: true },
    '/limitranges': { short: ['limits'], namespaced: true },
    'networking.k8s.io/ingresses': { short: ['ing'], namespaced: true },
    'networking.k8s.io/ingressclasses': { namespaced: false },
    '/replicationcontrollers': { short: ['rc'], all: true, namespaced: true },
    'scheduling.k8s.io/priorityclasses': { short: ['pc'], namespaced: false },
    'node.k8s.io/runtimeclasses': { namespaced: false },
    'admissionregistration.k8s.io/validatingadmissionpolicies': { namespaced: false },
    'admissionregistration.k8s.io/validatingadmissionpolicybindings': { namespaced: false },
  };
  for (const [key, w] of Object.entries(want)) {
    const [group, plural] = key.split('/') as [string, string];
    const d = findByResource(group, 'v1', plural);
    assert.ok(d, key);
    assert.deepEqual(d.shortNames, w.short, `${key} shortNames`);
    assert.equal(d.categories?.includes('all') ?? false, w.all ?? false, `${key} in category all`);
    assert.equal(d.namespaced, w.namespaced, `${key} namespaced`);
  }
  // autoscaling/v2 is the second served version of horizontalpodautoscalers.
  assert.equal(descriptors.length, Object.keys(want).length + 1);
});

test('lookups by kind and the scale and pod subresources', () => {
  const deploy = findByKind('apps', 'v1', 'Deployment')!;
  assert.deepEqual(deploy.subresources?.scale, { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' });
  const pod = findByKind('', 'v1', 'Pod')!;
  assert.deepEqual(pod.subresources?.other?.map((s) => `${s.name}:${s.group}/${s.version}/${s.kind}`), ['binding:/v1/Binding', 'eviction:policy/v1/Eviction', 'log:/v1/Pod', 'exec:/v1/PodExecOptions', 'attach:/v1/PodAttachOptions', 'portforward:/v1/PodPortForwardOptions']);
  assert.deepEqual(findByKind('apps', 'v1', 'StatefulSet')?.subresources?.scale, deploy.subresources?.scale);
});

test('generation is kept only where upstream keeps it', () => {
  const withGeneration = descriptors.filter((d) => d.generation !== false).map((d) => `${d.kind}.${d.group}`).sort();
  assert.deepEqual(withGeneration, ['CronJob.batch', 'CustomResourceDefinition.apiextensions.k8s.io', 'DaemonSet.apps', 'Deployment.apps', 'EndpointSlice.discovery.k8s.io', 'HorizontalPodAutoscaler.autoscaling', 'HorizontalPodAutoscaler.autoscaling', 'Ingress.networking.k8s.io', 'IngressClass.networking.k8s.io', 'Job.batch', 'MutatingWebhookConfiguration.admissionregistration.k8s.io', 'NetworkPolicy.networking.k8s.io', 'PodDisruptionBudget.policy', 'ReplicaSet.apps', 'ReplicationController.', 'StatefulSet.apps', 'ValidatingAdmissionPolicy.admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io', 'ValidatingWebhookConfiguration.admissionregistration.k8s.io']);
});

test('field selectors', () => {
  const pod = findByKind('', 'v1', 'Pod')!;
  const fields = pod.selectableFields!({ metadata: { name: 'p' }, spec: { nodeName: 'n1', hostNetwork: true }, status: { phase: 'Running' } });
  assert.equal(fields['spec.nodeName'], 'n1');
  assert.equal(fields['spec.hostNetwork'], 'true');
  assert.equal(fields['status.phase'], 'Running');
  const ev = findByKind('', 'v1', 'Event')!;
  assert.equal(ev.selectableFields!({ metadata: {}, involvedObject: { kind: 'Pod' }, source: { component: 'kubelet' } })['source'], 'kubelet');
  assert.equal(findByKind('batch', 'v1', 'Job')!.selectableFields!({ metadata: {}, status: { succeeded: 2 } })['status.successful'], '2');
});

test('tables are attached where the table module has one', () => {
  // Reviews are never listed, so they need none.
  for (const d of descriptors.filter((x) => !x.ephemeral)) assert.ok(d.table, `${d.kind}.${d.group} has a table`);
});
