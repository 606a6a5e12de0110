// Storage latency as the API server sees it, under upstream's name etcd_request_duration_seconds
// whatever the backend: with SQLite, Postgres or MySQL behind it K3s' kine speaks etcd to
// kube-apiserver, so its dashboards already read this name for those. `type` is the resource.
// apiserver_storage_size_bytes is the datastore's size when the backend can tell.
import { Gauge } from 'prom-client';
import { BoundHistogram } from '../../instrumentation/bound-metrics.js';
import { controlPlaneRegistry } from '../../instrumentation/registries.js';
import type { Backend } from '../../storage/backend.js';

const registers = [controlPlaneRegistry];

const latency = new BoundHistogram({
  name: 'etcd_request_duration_seconds',
  help: 'Etcd request latency in seconds for each operation and object type (any k3ts datastore).',
  labelNames: ['operation', 'type'],
  buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
  registers,
});

let sizeOf: (() => Promise<number | undefined>) | undefined;
let backendName = '';
new Gauge({
  name: 'apiserver_storage_size_bytes',
  help: 'Size of the storage database file physically allocated in bytes.',
  labelNames: ['storage_cluster_id'],
  registers,
  async collect() {
    this.reset();
    const bytes = await sizeOf?.().catch(() => undefined);
    if (bytes !== undefined) this.set({ storage_cluster_id: backendName }, bytes);
  },
});

/** Reports `backend`'s size from now on (the last backend opened in this process wins). */
export function watchStorageSize(backend: Backend): void {
  backendName = backend.name;
  sizeOf = backend.sizeBytes ? () => backend.sizeBytes!() : undefined;
}

const children = new Map<string, { observe(v: number): void }>();

/** Times one datastore call; `operation` as upstream: get, list, create, update, delete. */
export async function timed<T>(operation: string, type: string, call: Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await call;
  } finally {
    const key = `${operation}\0${type}`;
    let c = children.get(key);
    if (!c) children.set(key, (c = latency.labels(operation, type)));
    c.observe((performance.now() - start) / 1000);
  }
}
