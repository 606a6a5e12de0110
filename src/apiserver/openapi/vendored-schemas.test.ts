import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptors } from '../../registry/index.js';
import { metricsDescriptors } from '../metrics/descriptors.js';
import { vendoredSchemas } from './vendored-schemas.js';

test('the vendored data covers every served kind, or names it as absent (else: rerun scripts/vendor-openapi-schemas.mjs)', () => {
  const v = vendoredSchemas();
  const absent = new Set(v.absent);
  for (const d of [...descriptors, ...metricsDescriptors]) {
    for (const kind of [d.kind, d.listKind]) {
      const key = `${d.group}/${d.version}/${kind}`;
      assert.ok(v.nameOf({ group: d.group, version: d.version, kind }) || absent.has(key), `${key} is served but not in data/openapi/schemas.json.gz: run \`node scripts/vendor-openapi-schemas.mjs\` after building`);
    }
  }
});

test('closures hold every definition their schemas refer to', () => {
  const v = vendoredSchemas();
  const name = v.nameOf({ group: 'apps', version: 'v1', kind: 'StatefulSet' })!;
  assert.equal(name, 'io.k8s.api.apps.v1.StatefulSet');
  const defs = v.closure(name);
  for (const s of defs.values()) {
    JSON.stringify(s, (k, val) => {
      if (k === '$ref' && typeof val === 'string') assert.ok(defs.has(val.replace('#/components/schemas/', '')), val);
      return val;
    });
  }
  assert.ok(defs.has('io.k8s.api.core.v1.PersistentVolumeClaimSpec'));
  assert.ok(defs.has('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'));
});
