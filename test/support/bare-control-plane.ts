// A control plane with storage, admission, the bootstrap objects and namespace deletion, but none
// of the other controllers: for tests of one controller that must not meet a second copy of itself
// (two IPAM allocators, two garbage collectors) or the scheduler writing the same pods.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../src/storage/open.js';
import { ObjectStore } from '../../src/apiserver/store/object-store.js';
import type { ResourceContext } from '../../src/apiserver/resources/context.js';
import { namespaceLifecycle } from '../../src/apiserver/admission/namespace-lifecycle.js';
import { createServiceAllocator } from '../../src/apiserver/admission/service-allocator.js';
import { createLocalClient } from '../../src/apiserver/local-client.js';
import type { Client } from '../../src/client/types.js';
import { registry } from '../../src/registry/index.js';
import { runNamespaceController } from '../../src/controllers/namespace.js';
import { bootstrapCluster } from '../../src/server/bootstrap.js';

export interface BareControlPlane {
  context: ResourceContext;
  client: Client;
  close(): Promise<void>;
}

export async function startBareControlPlane(): Promise<BareControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bare-'));
  const backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
  const base = { store: new ObjectStore(backend), registry };
  const allocator = createServiceAllocator(base, { serviceCidr: '10.43.0.0/16', nodePortRange: { min: 30000, max: 32767 } });
  const context: ResourceContext = { ...base, admission: [namespaceLifecycle(base), allocator] };
  const stop = new AbortController();
  await allocator.start();
  await bootstrapCluster(context, { advertiseAddress: '127.0.0.1', port: 6443, serviceIP: '10.43.0.1' });
  const client = createLocalClient(context);
  const namespaces = await runNamespaceController(
    { client, namespacedTypes: registry.descriptors.filter((d) => d.namespaced).map((d) => ({ group: d.group, version: d.version, resource: d.plural })), recheckMs: 100 },
    stop.signal,
  );
  return {
    context,
    client,
    async close() {
      stop.abort();
      allocator.stop();
      await namespaces.stopped;
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
