// Node IPAM: every Node gets its own slice of the cluster CIDR (a /24 of 10.42.0.0/16 by default) in
// spec.podCIDR and spec.podCIDRs, for its pods' addresses. What existing Nodes hold is learned at
// start, so a restart never hands out a range twice; a deleted Node's range is free again.
import type { NodeSpec } from 'kubernetes-types/core/v1.js';
import { createEventRecorder } from '../client/events.js';
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import { intToIp, ipToInt } from '../network/ipv4.js';
import { runController, type ReconcileResult, type RunningController } from './runtime/run-controller.js';

const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

export interface NodeIpamOptions {
  client: Client;
  /** e.g. '10.42.0.0/16' */
  clusterCidr: string;
  /** Prefix length of each Node's range (default 24). */
  nodeCidrMaskSize?: number;
  /** How soon a Node that found no free range looks again (default 30 s). */
  exhaustedRetryMs?: number;
  onError?(key: string, err: unknown): void;
}


/** The subnets of one CIDR, numbered from 0. */
export class SubnetSet {
  readonly count: number;
  private readonly base: number;
  private readonly step: number;

  constructor(cidr: string, readonly maskSize: number) {
    const [ip, bitsText] = cidr.split('/');
    const start = ipToInt(ip ?? '');
    const bits = Number(bitsText);
    if (start === undefined || !Number.isInteger(bits) || bits < 1 || bits > 32) throw new Error(`invalid cluster CIDR ${JSON.stringify(cidr)} (expected e.g. 10.42.0.0/16)`);
    if (!Number.isInteger(maskSize) || maskSize < bits || maskSize > 32) throw new Error(`node CIDR mask size ${maskSize} must be between ${bits} and 32 for cluster CIDR ${cidr}`);
    const size = 2 ** (32 - bits);
    this.base = start - (start % size);
    this.step = 2 ** (32 - maskSize);
    this.count = size / this.step;
  }

  cidr(index: number): string {
    return `${intToIp(this.base + index * this.step)}/${this.maskSize}`;
  }

  /** The index of a subnet of this set, or undefined for any other range. */
  indexOf(cidr: string): number | undefined {
    const [ip, bits] = cidr.split('/');
    const n = ipToInt(ip ?? '');
    if (n === undefined || Number(bits) !== this.maskSize) return undefined;
    const offset = n - this.base;
    if (offset < 0 || offset % this.step !== 0 || offset / this.step >= this.count) return undefined;
    return offset / this.step;
  }
}

export async function runNodeIpam(o: NodeIpamOptions, signal: AbortSignal): Promise<RunningController> {
  const subnets = new SubnetSet(o.clusterCidr, o.nodeCidrMaskSize ?? 24);
  const recorder = createEventRecorder(o.client, { component: 'cidrAllocator' });
  const holder = new Map<number, string>(); // subnet index → node name
  const held = new Map<string, number>(); // node name → subnet index

  const release = (node: string) => {
    const index = held.get(node);
    if (index === undefined) return;
    held.delete(node);
    if (holder.get(index) === node) holder.delete(index);
  };
  const record = (node: string, spec: NodeSpec | undefined) => {
    const cidrs = spec?.podCIDRs?.length ? spec.podCIDRs : spec?.podCIDR ? [spec.podCIDR] : [];
    for (const c of cidrs) {
      const index = subnets.indexOf(c);
      if (index === undefined) continue;
      release(node);
      holder.set(index, node);
      held.set(node, index);
    }
  };
  const nextFree = (): number | undefined => {
    for (let i = 0; i < subnets.count; i++) if (!holder.has(i)) return i;
    return undefined;
  };

  for (const n of (await o.client.list(nodes)).items) record(n.metadata.name!, n.spec as NodeSpec | undefined);

  const reconcile = async (name: string): Promise<ReconcileResult | void> => {
    let node;
    try {
      node = await o.client.get(nodes, undefined, name);
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
      release(name);
      return;
    }
    const spec = node.spec as NodeSpec | undefined;
    if (spec?.podCIDR || spec?.podCIDRs?.length) {
      record(name, spec);
      return;
    }
    if (node.metadata.deletionTimestamp) return;
    // A Node of the same name seen before (deleted and created again) gives its old range back first.
    release(name);
    const index = nextFree();
    if (index === undefined) {
      recorder.normal(node, 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      return { requeueAfterMs: o.exhaustedRetryMs ?? 30_000 };
    }
    const cidr = subnets.cidr(index);
    holder.set(index, name);
    held.set(name, index);
    try {
      await o.client.patch(nodes, undefined, name, { type: 'merge', body: { metadata: { uid: node.metadata.uid }, spec: { podCIDR: cidr, podCIDRs: [cidr] } } });
    } catch (err) {
      release(name);
      if (hasReason(err, 'NotFound')) return;
      throw err;
    }
  };

  return runController({ name: 'node-ipam', client: o.client, for: nodes, reconcile, onError: o.onError }, signal);
}
