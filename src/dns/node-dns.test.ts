import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { MemoryInformer, type Informer } from '../client/informer.js';
import type { ResourceType } from '../client/types.js';
import { decodeMessage } from './decode.js';
import { encodeMessage } from './encode.js';
import { rrType } from './message.js';
import { startNodeDns } from './node-dns.js';

describe('node DNS', () => {
  it('serves the Services of the shared informers on the given address', async () => {
    const kinds = new Map<string, Informer>([
      ['services', new MemoryInformer([{ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.43.0.20' } }])],
      ['endpointslices', new MemoryInformer()],
    ]);
    const warnings: string[] = [];
    const dns = await startNodeDns({
      informers: { for: (t: ResourceType) => kinds.get(t.resource)! },
      address: '127.0.0.1',
      port: 0,
      resolvConf: '/nonexistent/resolv.conf',
      log: { debug: () => undefined, warn: (m) => warnings.push(m) },
    });
    try {
      assert.equal(warnings.length, 1); // no upstream
      const q = encodeMessage({ id: 1, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name: 'web.default.svc.cluster.local', type: rrType.A, class: 1 }], answers: [], authority: [], additional: [] });
      const s = createSocket('udp4');
      const reply = await new Promise<Buffer>((resolve) => {
        s.on('message', resolve);
        s.send(q, dns.port, '127.0.0.1');
      });
      s.close();
      assert.deepEqual(decodeMessage(reply).answers.map((a) => a.type === 'A' && a.address), ['10.43.0.20']);
    } finally {
      await dns.stop();
    }
  });
});
