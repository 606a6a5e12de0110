// The service proxy's sync timing under kube-proxy's names, in the node registry.
import { Gauge, Histogram } from 'prom-client';
import { nodeRegistry } from '../instrumentation/registries.js';

const registers = [nodeRegistry];

const syncDuration = new Histogram({
  name: 'kubeproxy_sync_proxy_rules_duration_seconds',
  help: 'SyncProxyRules latency in seconds',
  // 1 ms doubling to about 16 s, as kube-proxy.
  buckets: Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i),
  registers,
});
const lastSync = new Gauge({
  name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
  help: 'The last time proxy rules were successfully synced',
  registers,
});

/** Times one sync; only a successful one moves the last-sync timestamp. */
export async function timedSync<T>(sync: Promise<T>): Promise<T> {
  const end = syncDuration.startTimer();
  try {
    const result = await sync;
    lastSync.set(Date.now() / 1000);
    return result;
  } finally {
    end();
  }
}
