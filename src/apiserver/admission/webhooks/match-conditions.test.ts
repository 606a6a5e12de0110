import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { registry } from '../../../registry/index.js';
import { compileCel } from '../../../registry/cel/environment.js';
import type { KObject } from '../../../registry/types.js';
import type { CompiledWebhook } from './configurations.js';
import { evaluateMatchConditions } from './match-conditions.js';

const configMaps = registry.findByResource('', 'v1', 'configmaps')!;
const hook = (...expressions: string[]) => ({ matchConditions: expressions.map((e, i) => ({ name: `c${i}`, expression: e, program: compileCel(e) })) }) as unknown as CompiledWebhook;
const object: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'exempt-a', namespace: 'ns' }, data: { k: 'v' } };
const req = { operation: 'CREATE' as const, descriptor: configMaps, name: 'exempt-a', namespace: 'ns', object, dryRun: false, user: { name: 'jane', groups: ['devs'] } };
const run = (h: CompiledWebhook) => evaluateMatchConditions(h, configMaps, req, object);

describe('webhook matchConditions', () => {
  it('all true calls the webhook, any false skips it (even beside an error)', () => {
    assert.deepEqual(run(hook('request.userInfo.username == "jane"', "'devs' in request.userInfo.groups", 'oldObject == null')), { matches: true });
    assert.deepEqual(run(hook('object.data.missing == "x"', '!object.metadata.name.startsWith("exempt-")')), { matches: false });
  });

  it('errors alone are reported as cel-go words them, several as an aggregate', () => {
    assert.deepEqual(run(hook('object.data.missing == "x"', 'true')), { error: `expression 'object.data.missing == "x"' resulted in error: no such key: missing` });
    assert.deepEqual(run(hook('object.data.missing == "x"', 'object.nope')), {
      error: `[expression 'object.data.missing == "x"' resulted in error: no such key: missing, expression 'object.nope' resulted in error: no such key: nope]`,
    });
  });
});
