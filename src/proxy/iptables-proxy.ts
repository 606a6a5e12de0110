// The service proxy on a real node: rules from rules.ts written with iptables-restore. Syncs run
// one at a time; informer changes arriving while one runs are folded into the next. A sync after a
// change writes only the chains that differ from what we last wrote (no read), so it is fast; a
// resync first reads the kernel's rules, so a chain someone edited or a jump someone deleted is
// put back.
import { timedSync } from './metrics.js';
import { runCommand, type NetworkStopOptions } from '../network/host-command.js';
import { BUILTIN_JUMPS, type BuiltinJump } from './chains.js';
import { clearUdpFlows, removedUdpEndpoints } from './conntrack.js';
import { rulesFromInformers } from './informer-rules.js';
import { hasJump, hostIptables } from './iptables.js';
import { diffChains, ownChains, renderRemoveAll, renderRestore, TABLES } from './restore.js';
import { ProxyRulesCache, type ProxyRules } from './rules.js';
import { ensureSysctls } from './sysctls.js';
import { ServiceProxyError, type ServiceProxy, type ServiceProxyOptions } from './types.js';

const DEFAULT_RESYNC_MS = 15_000;
const MAX_RETRY_MS = 30_000;

export function startServiceProxy(o: ServiceProxyOptions): ServiceProxy {
  const run = o.run ?? runCommand;
  const ipt = hostIptables(run);
  const log = o.log ?? (() => undefined);
  const resyncMs = o.resyncMs ?? DEFAULT_RESYNC_MS;
  const cache = new ProxyRulesCache();
  let written: ProxyRules | undefined;
  let stopped = false;
  let unsubscribe: Array<() => void> = [];
  let resyncTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = 1000;

  const desired = (): ProxyRules => rulesFromInformers(o, cache);

  async function sync(verify: boolean): Promise<void> {
    const first = !written;
    let current = written;
    // Reading runs in other processes: start it, then build while it runs.
    const reading = verify || !current ? Promise.all([ipt.save('nat'), ipt.save('filter')]) : undefined;
    reading?.catch(() => undefined);
    const want = desired();
    let missing: readonly BuiltinJump[] = [];
    if (reading) {
      const [nat, filter] = await reading;
      const saved = { nat, filter };
      current = { nat: ownChains(nat), filter: ownChains(filter) };
      missing = BUILTIN_JUMPS.filter((j) => !hasJump(saved[j.table], j));
      if (written) reportDrift(written, current);
    }
    // At start, missing jumps go in with the chains, atomically. Later, one missing is unusual:
    // -C confirms before -I, so a jump iptables merely prints differently is never doubled.
    const text = renderRestore(want, current, first ? missing : []);
    if (text) await ipt.restore(text);
    const before = written;
    written = want;
    if (before) await clearRemovedUdp(before, want);
    if (first) return;
    for (const j of missing) {
      if (await ipt.ensureJump(j)) log('service proxy: restored a deleted jump', { table: j.table, chain: j.chain });
    }
  }

  let conntrackWarned = false;
  async function clearRemovedUdp(before: ProxyRules, after: ProxyRules): Promise<void> {
    for (const endpoint of removedUdpEndpoints(before.nat, after.nat)) {
      const r = await clearUdpFlows(run, endpoint);
      // Without the tool, UDP clients of a removed endpoint recover only when their flow times out.
      if (!r.ok && !conntrackWarned) {
        conntrackWarned = true;
        log('service proxy: cannot clear UDP flows of removed endpoints (apt-get install conntrack)', { endpoint, error: r.detail });
      }
    }
  }

  function reportDrift(wrote: ProxyRules, found: ProxyRules): void {
    for (const table of TABLES) {
      const { write, remove } = diffChains(wrote[table], found[table]);
      if (write.length || remove.length) log('service proxy: rules changed behind our back; restoring', { table, changed: write, unexpected: remove });
    }
  }

  // One sync at a time; requests made while one waits join it, so a burst of changes costs one write.
  let tail: Promise<void> = Promise.resolve();
  let queued: { promise: Promise<void>; verify: boolean } | undefined;
  function schedule(verify: boolean): Promise<void> {
    if (queued) {
      queued.verify ||= verify;
      return queued.promise;
    }
    const entry = { verify, promise: Promise.resolve() };
    entry.promise = tail
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => {
        queued = undefined;
        if (stopped) return;
        return timedSync(sync(entry.verify)).then(
          () => {
            retryMs = 1000;
          },
          (err: unknown) => {
            // What is in the kernel is unknown now (one table may have committed): read it next time.
            written = undefined;
            log('service proxy: sync failed; retrying', { error: (err as Error).message, retryMs });
            clearTimeout(retryTimer);
            retryTimer = setTimeout(() => void schedule(true).catch(() => undefined), retryMs);
            retryTimer.unref();
            retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
            throw err;
          },
        );
      });
    queued = entry;
    tail = entry.promise.catch(() => undefined);
    return entry.promise;
  }

  const onChange = () => void schedule(false).catch(() => undefined);

  const checked = ipt.check();
  checked.catch(() => undefined);
  const synced = (async () => {
    await Promise.all([checked, ensureSysctls(run, log), o.services.synced, o.endpointSlices.synced]);
    if (stopped) return;
    unsubscribe = [o.services.subscribe(onChange), o.endpointSlices.subscribe(onChange)];
    resyncTimer = setInterval(() => void schedule(true).catch(() => undefined), resyncMs);
    resyncTimer.unref();
    try {
      await schedule(true);
    } catch (err) {
      if (err instanceof ServiceProxyError) throw err;
      throw new ServiceProxyError('SyncFailed', `service proxy: first sync failed: ${(err as Error).message}`, { cause: err });
    }
    log('service proxy: rules written', { services: o.services.list().length, endpointSlices: o.endpointSlices.list().length });
  })();
  // The caller may never await `synced`; its failure is logged by the sync and must not crash the process.
  synced.catch(() => undefined);

  let stopping: Promise<void> | undefined;
  async function stop(so: NetworkStopOptions = {}): Promise<void> {
    stopped = true;
    clearInterval(resyncTimer);
    clearTimeout(retryTimer);
    for (const u of unsubscribe) u();
    // Not `synced`: informers that never sync must not keep stop() from cleaning up.
    const usable = await checked.then(() => true, () => false);
    await tail;
    if (!usable || so.leaveInPlace) return;
    for (const j of BUILTIN_JUMPS) await ipt.deleteJump(j);
    const nat = await ipt.save('nat');
    const filter = await ipt.save('filter');
    const text = renderRemoveAll({ nat: [...ownChains(nat).keys()], filter: [...ownChains(filter).keys()] });
    if (text) await ipt.restore(text);
    written = undefined;
  }

  return {
    synced,
    syncNow: () => (stopped ? Promise.resolve() : schedule(true)),
    stop: (so) => (stopping ??= stop(so)),
  };
}
