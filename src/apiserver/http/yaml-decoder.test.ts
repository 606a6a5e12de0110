import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { YamlDecoder } from './yaml-decoder.js';
import { nestingBeyond } from './yaml-depth.js';

/** The longest gap between ticks of a 5 ms interval while `work` runs: how long the loop stalled. */
async function maxLoopStall<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  const [result] = await Promise.allSettled([work()]);
  clearInterval(tick);
  return { result, stallMs };
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: "front"}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
        args: [--port, "80"]
        ports:
        - containerPort: 80
        env:
        - name: A
          valueFrom:
            fieldRef: {fieldPath: spec.nodeName}
        command:
          - sh
          - -c
          - |
            echo [[[[ {{{{ - - - :
`;

describe('YAML nesting measured from the lexer', () => {
  it('lets real manifests through and counts nesting in flow and block style', () => {
    assert.equal(nestingBeyond(deployment), undefined);
    assert.equal(nestingBeyond(deployment, 9), undefined, 'the Deployment nests 9 levels (env valueFrom fieldRef)');
    assert.match(nestingBeyond(deployment, 5) ?? '', /deeper than 5 levels/);
    assert.equal(nestingBeyond('[[[1]]]', 3), undefined);
    assert.ok(nestingBeyond('[[[[1]]]]', 3));
    assert.ok(nestingBeyond('a:\n  b:\n    c:\n      d: 1\n', 3));
    assert.equal(nestingBeyond('a:\n  b: 1\nc:\n  d: 1\ne: 2\n', 2), undefined, 'siblings do not add up');
    assert.ok(nestingBeyond('- - - - x', 3), 'sequences nested on one line');
    assert.equal(nestingBeyond('a: "[[[[[["\nb: \'{{{{{{\'\n# [[[[[[[\n', 1), undefined, 'brackets in strings and comments are text');
  });
});

describe('YAML bodies decoded off the event loop', () => {
  it('decodes a manifest to the same object the YAML library gives', async () => {
    const decoder = new YamlDecoder();
    const obj = (await decoder.decode(deployment)) as { spec: { replicas: number; template: { spec: { containers: Array<{ args: string[] }> } } } };
    assert.equal(obj.spec.replicas, 2);
    assert.deepEqual(obj.spec.template.spec.containers[0]!.args, ['--port', '80']);
    await decoder.close();
  });

  it('refuses a body nested a million levels deep at once, without stalling the loop', async () => {
    const decoder = new YamlDecoder();
    for (const body of ['- '.repeat(1_000_000) + 'x', '['.repeat(1_000_000), 'a:\n' + Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')]) {
      const started = performance.now();
      const { result, stallMs } = await maxLoopStall(() => decoder.decode(body));
      assert.equal(result.status, 'rejected');
      assert.match(String((result as PromiseRejectedResult).reason.message), /nests deeper than 1000 levels/);
      assert.ok(performance.now() - started < 1500, `answered in ${Math.round(performance.now() - started)} ms`);
      assert.ok(stallMs < 100, `the event loop stalled ${Math.round(stallMs)} ms`);
    }
    await decoder.close();
  });

  it('gives up on a body too slow to parse, and decodes the next one on a fresh worker', async () => {
    const decoder = new YamlDecoder({ timeoutMs: 300 });
    // 100,000 keys of one map: the library's duplicate-key check makes this quadratic (minutes).
    const slow = Array.from({ length: 100_000 }, (_, i) => `k${i}: v`).join('\n');
    const { result, stallMs } = await maxLoopStall(() => decoder.decode(slow));
    assert.equal(result.status, 'rejected');
    assert.match(String((result as PromiseRejectedResult).reason.message), /could not be decoded within 300 ms; send it as JSON/);
    assert.ok(stallMs < 100, `the event loop stalled ${Math.round(stallMs)} ms`);
    assert.deepEqual(await decoder.decode('a: 1'), { a: 1 });
    await decoder.close();
  });

  it('refuses alias bombs', async () => {
    const decoder = new YamlDecoder();
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    await assert.rejects(decoder.decode(lines.join('\n')), /error decoding request body as YAML/);
    await decoder.close();
  });

  it('answers 429 instead of queueing without end', async () => {
    const decoder = new YamlDecoder({ maxQueued: 2, timeoutMs: 2000 });
    const many = Array.from({ length: 6 }, () => decoder.decode('a: 1'));
    const settled = await Promise.allSettled(many);
    const refused = settled.filter((s) => s.status === 'rejected');
    assert.ok(refused.length >= 3, `${refused.length} refused`);
    assert.ok(refused.every((s) => (s as PromiseRejectedResult).reason.code === 429));
    await decoder.close();
  });
});
