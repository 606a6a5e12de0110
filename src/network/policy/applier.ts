// Keeps this node's NetworkPolicy chains equal to what the informers say. Changes are coalesced
// (one write per burst, well within a second); a periodic resync writes everything again even when
// nothing changed, which puts back rules or a jump someone else removed. stop() removes all of it.
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { Informer } from '../../client/informer.js';
import type { KObject } from '../../registry/types.js';
import { runCommand, type NetworkStopOptions, type RunCommand } from '../host-command.js';
import { ensureBridgeNetfilter, ensureJumps, listOwnChains, removeAll, restore } from './iptables.js';
import { renderRestore } from './restore.js';
import { buildPolicyRules } from './rules.js';

export interface NetworkPolicyOptions {
  /** Every pod of the cluster: peers may run on any node. */
  pods: Informer<KObject>;
  namespaces: Informer<KObject>;
  policies: Informer<KObject>;
  nodeName: string;
  /** This node's pod range; when set, only addresses inside it count as this node's pods. */
  podCidr?: string;
  /** Where iptables, iptables-save/-restore and sysctl run; the host by default. */
  run?: RunCommand;
  log(msg: string, fields?: Record<string, unknown>): void;
  /** Full rewrite period, restoring drift. Default 30 s. */
  resyncMs?: number;
  /** How long a burst of changes is gathered before one write. Default 50 ms. */
  coalesceMs?: number;
  /** Wait before retrying a failed write. Default 1 s. */
  retryMs?: number;
}

export interface NetworkPolicyHandle {
  /** Resolves after the first successful write (the informers synced and the chains in place). */
  readonly synced: Promise<void>;
  /** Stops following changes and removes every chain and jump this module made. */
  stop(o?: NetworkStopOptions): Promise<void>;
}

export function startNetworkPolicy(o: NetworkPolicyOptions): NetworkPolicyHandle {
  const run = o.run ?? runCommand;
  const resyncMs = o.resyncMs ?? 30_000;
  const coalesceMs = o.coalesceMs ?? 50;
  const retryMs = o.retryMs ?? 1000;
  let stopped = false;
  let lastWritten: string | undefined;
  let bridgeWarned = false;
  let changeTimer: NodeJS.Timeout | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let forceNext = false;
  let running: Promise<void> | undefined;
  let again = false;
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  async function writeOnce(force: boolean): Promise<void> {
    const rules = buildPolicyRules({
      nodeName: o.nodeName,
      podCidr: o.podCidr,
      pods: o.pods.list() as unknown as Pod[],
      namespaces: o.namespaces.list() as unknown as Namespace[],
      policies: o.policies.list() as unknown as NetworkPolicy[],
    });
    const key = JSON.stringify(rules);
    if (!force && key === lastWritten) return;
    if (force) {
      const reason = await ensureBridgeNetfilter(run);
      if (reason && !bridgeWarned) o.log('network policy: pods on this node bypass policies between each other (bridge-nf-call-iptables)', { reason });
      bridgeWarned = reason !== undefined;
    }
    await restore(run, renderRestore(rules, await listOwnChains(run)));
    await ensureJumps(run);
    lastWritten = key;
  }

  function kick(force: boolean): void {
    forceNext ||= force;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    const f = forceNext;
    forceNext = false;
    running = writeOnce(f)
      .then(() => {
        markSynced();
        clearTimeout(resyncTimer);
        if (!stopped) resyncTimer = setTimeout(() => kick(true), resyncMs);
      })
      .catch((err: unknown) => {
        o.log('network policy: writing the filter rules failed; retrying', { error: err instanceof Error ? err.message : String(err) });
        forceNext = true;
        later(retryMs);
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick(false);
        }
      });
  }

  /** One write for everything that changes within `delayMs`. */
  function later(delayMs: number): void {
    if (stopped || changeTimer) return;
    changeTimer = setTimeout(() => {
      changeTimer = undefined;
      kick(false);
    }, delayMs);
  }

  let ready = false;
  // Until every cache has its first list, a write would drop rules for what is not yet known.
  const onChange = () => ready && later(coalesceMs);
  const unsubscribe = [o.pods, o.namespaces, o.policies].map((inf) => inf.subscribe(onChange));
  void Promise.all([o.pods.synced, o.namespaces.synced, o.policies.synced]).then(() => {
    ready = true;
    kick(true);
  });

  return {
    synced,
    async stop(so: NetworkStopOptions = {}) {
      if (stopped) return;
      stopped = true;
      for (const u of unsubscribe) u();
      clearTimeout(changeTimer);
      clearTimeout(resyncTimer);
      while (running) await running;
      if (!so.leaveInPlace) await removeAll(run);
    },
  };
}
