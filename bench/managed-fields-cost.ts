// The CPU cost of recording managedFields, without the server around it: the Update entry of a
// create, of a PUT changing one image, and of a label patch, for the Deployment bench/managed-fields.ts
// writes. Steadier than req/s on a shared machine; reports microseconds per write.
//   npx tsc -p tsconfig.json && node dist/bench/managed-fields-cost.js [--n 20000]
import { deployment } from './managed-fields.js';
import { recordWrite } from '../src/apiserver/resources/record-manager.js';
import { findByResource } from '../src/registry/index.js';
import type { KObject } from '../src/registry/types.js';

const i = process.argv.indexOf('--n');
const N = i >= 0 ? Number(process.argv[i + 1]) : 20000;
const d = findByResource('apps', 'v1', 'deployments')!;

function time(what: string, make: () => { old?: KObject; next: KObject }): void {
  const inputs = Array.from({ length: 200 }, make);
  for (let k = 0; k < 2000; k++) recordWrite(d, inputs[k % 200]!.old, structuredClone(inputs[k % 200]!.next), 'warm-up');
  const clones = Array.from({ length: N }, (_, k) => structuredClone(inputs[k % 200]!.next));
  const t0 = performance.now();
  for (let k = 0; k < N; k++) recordWrite(d, inputs[k % 200]!.old, clones[k]!, 'bench');
  const us = ((performance.now() - t0) * 1000) / N;
  console.log(`${what.padEnd(28)} ${us.toFixed(1)} µs per write`);
}

const created = (): KObject => {
  const obj = deployment(1, 'nginx:1') as unknown as KObject;
  recordWrite(d, undefined, obj, 'kubectl-create');
  return obj;
};
time('create', () => ({ next: deployment(1, 'nginx:1') as unknown as KObject }));
time('update (one image)', () => {
  const old = created();
  const next = structuredClone(old);
  (next.spec as any).template.spec.containers[0].image = 'nginx:2';
  return { old, next };
});
time('patch (one label)', () => {
  const old = created();
  const next = structuredClone(old);
  next.metadata.labels = { ...next.metadata.labels, patched: 'x' };
  return { old, next };
});
time('unchanged write', () => {
  const old = created();
  return { old, next: structuredClone(old) };
});
