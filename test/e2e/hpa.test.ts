// HorizontalPodAutoscaler through kubectl: `kubectl autoscale` (1.32 posts autoscaling/v1, 1.35
// autoscaling/v2, both as protobuf), the table, describe with the controller's conditions and
// events (the server has no metrics API yet, so ScalingActive is False/FailedGetResourceMetric, as
// upstream without metrics-server), and the same object read through v1.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parse } from 'yaml';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

describeWithKubectls(
  'kubectl and HorizontalPodAutoscaler',
  { nsPrefix: 'hpa', timeout: 90_000, server: { extraArgs: ['--runtime', 'sim', '--horizontal-pod-autoscaler-sync-period', '1s'] } },
  (t) => {
    const { kc, ns } = t;

    it('api-resources lists horizontalpodautoscalers in autoscaling/v2 with short name hpa', async () => {
      expectMatch(expectOk(await kc(['api-resources', '--api-group=autoscaling'])), /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler\s*$/m);
    });

    it('kubectl autoscale creates an HPA and kubectl get shows upstream\'s columns', async () => {
      expectOk(await kc(['create', 'deployment', 'web', '--image=nginx', '-n', ns]));
      const out = expectOk(await kc(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=2', '--max=8', '-n', ns]));
      assert.match(out, /^horizontalpodautoscaler\.autoscaling\/web autoscaled$/m);
      const table = expectOk(await kc(['get', 'hpa', '-n', ns]));
      assert.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m);
      assert.match(table, /^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+2\s+8\s+\d+\s+\d+s$/m);
    });

    it('the controller lifts the target to minReplicas and describe shows its conditions and events', async () => {
      // Below minReplicas is corrected without metrics; then the missing metrics API is reported.
      let described = '';
      for (let i = 0; i < 40; i++) {
        described = expectOk(await kc(['describe', 'hpa', 'web', '-n', ns]));
        if (/ScalingActive\s+False/.test(described) && /SuccessfulRescale/.test(described)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.match(described, /^Reference:\s+Deployment\/web$/m);
      assert.match(described, /resource cpu on pods\s+\(as a percentage of request\):\s+<unknown> \/ 50%/);
      assert.match(described, /^Min replicas:\s+2$/m);
      assert.match(described, /^Max replicas:\s+8$/m);
      assert.match(described, /^Deployment pods:\s+2 current \/ 2 desired$/m);
      assert.match(described, /^\s+AbleToScale\s+True\s+SucceededGetScale\s+the HPA controller was able to get the target's current scale$/m);
      assert.match(described, /^\s+ScalingActive\s+False\s+FailedGetResourceMetric\s+the HPA was unable to compute the replica count: unable to get metrics for resource cpu: /m);
      assert.match(described, /Normal\s+SuccessfulRescale\s+.*New size: 2; reason: Current number of replicas below Spec.MinReplicas/);
      assert.match(described, /Warning\s+FailedGetResourceMetric\s/);
      expectMatch(expectOk(await kc(['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])), /^2$/);
    });

    it('the same object through autoscaling/v1 has targetCPUUtilizationPercentage, v2-only fields in annotations', async () => {
      // `hpa.v1.autoscaling` is not enough: kubectl expands the short name to the group's
      // preferred version before the version is looked at, so the full resource name it is.
      const v1 = parse(expectOk(await kc(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-n', ns, '-o', 'yaml'])));
      assert.equal(v1.apiVersion, 'autoscaling/v1');
      assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
      assert.equal(v1.spec.minReplicas, 2);
      assert.equal(v1.status.currentReplicas, 2);
      const conditions = JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions']);
      assert.deepEqual(conditions.map((c: { type: string }) => c.type), ['AbleToScale', 'ScalingActive']);
      const v2 = parse(expectOk(await kc(['get', 'hpa', 'web', '-n', ns, '-o', 'yaml'])));
      assert.equal(v2.apiVersion, 'autoscaling/v2');
      assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
      assert.equal(v2.metadata.annotations, undefined);
    });

    it('a v2 manifest with behavior round-trips, and v1 carries it in the behavior annotation', async () => {
      const manifest = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: ${ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 200Mi}}
  behavior:
    scaleDown:
      policies: [{type: Pods, value: 1, periodSeconds: 60}]
`;
      expectOk(await kc(['apply', '-f', '-', '--validate=false'], { input: manifest }));
      const v2 = parse(expectOk(await kc(['get', 'hpa', 'api', '-n', ns, '-o', 'yaml'])));
      assert.deepEqual(v2.spec.behavior.scaleUp, { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] });
      assert.deepEqual(v2.spec.behavior.scaleDown, { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] });
      const v1 = parse(expectOk(await kc(['get', 'horizontalpodautoscalers.v1.autoscaling', 'api', '-n', ns, '-o', 'yaml'])));
      assert.equal(v1.spec.targetCPUUtilizationPercentage, undefined);
      assert.deepEqual(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics']), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '200Mi' } }]);
      assert.match(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'], /"ScaleDown":\{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":\[\{"Type":"Pods","Value":1,"PeriodSeconds":60\}\],"Tolerance":null\}/);
      expectMatch(expectOk(await kc(['get', 'hpa', 'api', '-n', ns])), /^api\s+Deployment\/api\s+memory: <unknown>\/200Mi\s+1\s+5\s+0\s+/m);
    });

    it('validation: maxReplicas below minReplicas is refused as upstream words it', async () => {
      // kubectl autoscale checks --min/--max itself, so the server's check is reached by a manifest.
      const manifest = `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: bad, namespace: ${ns}}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, minReplicas: 5, maxReplicas: 3}
`;
      expectError(await kc(['create', '-f', '-', '--validate=false'], { input: manifest }), /spec\.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`/);
    });
  },
);
