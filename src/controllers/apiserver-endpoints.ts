// With several servers, the `kubernetes` Service's Endpoints must list every live one (agents learn
// the servers to fail over to from it; pods reach the API through its ClusterIP). Each server keeps
// a Lease of its own in kube-system (labelled as upstream's API server identity leases) and, on each
// renewal, rewrites the Endpoints and EndpointSlice from the leases still fresh. A server that dies
// drops out once its lease is older than its duration; one that stops cleanly removes its lease and
// itself at once.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';

const leases: ResourceType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
const endpointsType: ResourceType = { group: '', version: 'v1', resource: 'endpoints' };
const slicesType: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };
const servicesType: ResourceType = { group: '', version: 'v1', resource: 'services' };

export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
const IDENTITY_VALUE = 'kube-apiserver';
const ADDRESS_ANNOTATION = 'k3ts.io/advertise-address';

export interface ApiserverEndpointsOptions {
  client: Client;
  /** This server's address and port as agents reach it. */
  address: string;
  port: number;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  onError?(err: unknown): void;
}

export interface ApiserverEndpoints {
  /** Removes this server's lease and itself from the Endpoints. */
  stop(): Promise<void>;
}

const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function leaseName(address: string, port: number): string {
  return `apiserver-${createHash('sha256').update(`${address}:${port}`).digest('hex').slice(0, 16)}`;
}

interface Member {
  ip: string;
  port: number;
}

/** Servers whose lease was renewed within its duration, ordered so every server writes the same. */
export function liveMembers(items: KObject[], now = Date.now()): Member[] {
  const out: Member[] = [];
  for (const l of items) {
    const spec = (l.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
    if (!(renewed + (spec.leaseDurationSeconds ?? 0) * 1000 > now)) continue;
    const addr = l.metadata.annotations?.[ADDRESS_ANNOTATION];
    const m = addr ? /^(.*):(\d+)$/.exec(addr) : null;
    if (m) out.push({ ip: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) });
  }
  return out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
}

/** One subset per port: servers normally share 6443, but nothing requires it. */
export function endpointSubsets(members: Member[]): Array<Record<string, unknown>> {
  const byPort = new Map<number, string[]>();
  for (const m of members) byPort.set(m.port, [...(byPort.get(m.port) ?? []), m.ip]);
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, ips]) => ({ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }));
}

export function startApiserverEndpoints(o: ApiserverEndpointsOptions): ApiserverEndpoints {
  const duration = o.leaseDurationSeconds ?? 30;
  const interval = o.renewIntervalMs ?? 10_000;
  const name = leaseName(o.address, o.port);
  const host = o.address.includes(':') ? `[${o.address}]` : o.address;

  const renew = async () => {
    const spec = { holderIdentity: name, leaseDurationSeconds: duration, renewTime: microTime(new Date()) };
    try {
      await o.client.patch(leases, 'kube-system', name, { type: 'merge', body: { spec } });
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
      await o.client
        .create(leases, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: 'kube-system', labels: { [IDENTITY_LABEL]: IDENTITY_VALUE }, annotations: { [ADDRESS_ANNOTATION]: `${host}:${o.port}` } },
          spec,
        })
        .catch((e) => {
          if (!hasReason(e, 'AlreadyExists')) throw e;
        });
    }
  };

  const reconcile = async (without?: string) => {
    const list = await o.client.list(leases, { namespace: 'kube-system', labelSelector: `${IDENTITY_LABEL}=${IDENTITY_VALUE}` });
    const members = liveMembers(list.items.filter((l) => l.metadata.name !== without));
    const subsets = endpointSubsets(members);
    const ep = await o.client.get(endpointsType, 'default', 'kubernetes').catch(() => undefined);
    if (ep && !isDeepStrictEqual(ep.subsets ?? [], subsets)) await o.client.update(endpointsType, { ...ep, subsets });
    // The Service sends pods to one target port; the slice lists the servers listening on it.
    const svc = await o.client.get(servicesType, 'default', 'kubernetes').catch(() => undefined);
    const targetPort = Number((svc?.spec as { ports?: Array<{ targetPort?: number }> } | undefined)?.ports?.[0]?.targetPort ?? o.port);
    const endpoints = members.filter((m) => m.port === targetPort).map((m) => ({ addresses: [m.ip], conditions: { ready: true } }));
    const slice = await o.client.get(slicesType, 'default', 'kubernetes').catch(() => undefined);
    if (slice && !isDeepStrictEqual(slice.endpoints ?? [], endpoints)) await o.client.update(slicesType, { ...slice, endpoints });
  };

  const tick = async () => {
    try {
      await renew();
      await reconcile();
    } catch (err) {
      // A conflict means another server just wrote the same lists; the next tick checks again.
      if (!hasReason(err, 'Conflict')) o.onError?.(err);
    }
  };
  let current = tick();
  const timer = setInterval(() => {
    current = current.then(tick);
  }, interval);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      await current;
      try {
        await o.client.delete(leases, 'kube-system', name);
      } catch (err) {
        if (!hasReason(err, 'NotFound')) o.onError?.(err);
      }
      await reconcile(name).catch((err) => o.onError?.(err));
    },
  };
}
