// A deleted Node takes its server's etcd member with it (K3s does the same): `kubectl delete node`
// is how an operator retires a server for good, and a member left behind would keep counting
// towards quorum forever. Members are found by name (`<node name>-<8 hex>`, see managed-etcd.ts).
// Every server watches; the first removal wins and the others find the member already gone. A
// server never removes its own member, and a server without its own node (--disable-agent) has no
// Node to delete, so its member stays until `k3ts etcd-member remove` (members.ts).
import { listAndWatch } from '../../client/list-watch.js';
import type { Client } from '../../client/types.js';
import type { EtcdAdmin } from '../../storage/etcd/etcd-admin.js';
import { EtcdError } from '../../storage/etcd/etcd-client.js';
import type { Logger } from '../log.js';

const nodes = { group: '', version: 'v1', resource: 'nodes' };

export function memberOfNode(memberName: string, nodeName: string): boolean {
  return memberName.length === nodeName.length + 9 && memberName.startsWith(`${nodeName}-`) && /^[0-9a-f]{8}$/.test(memberName.slice(nodeName.length + 1));
}

export function startMemberRemoval(o: { client: Client; admin: EtcdAdmin; selfName: string; log: Logger }): () => void {
  const abort = new AbortController();
  let known = new Set<string>();
  let queue = Promise.resolve();
  const removeFor = (node: string) => {
    queue = queue.then(async () => {
      try {
        for (const m of await o.admin.memberList()) {
          if (m.name === o.selfName || !memberOfNode(m.name, node)) continue;
          try {
            await o.admin.remove(m.ID);
            o.log.info('removed the etcd member of a deleted node', { node, member: m.name });
          } catch (err) {
            // Another server removed it first.
            if (!(err instanceof EtcdError && /member not found/i.test(err.details))) throw err;
          }
        }
      } catch (err) {
        o.log.warn('could not remove the etcd member of a deleted node; remove it with k3ts etcd-member remove', { node, error: (err as Error).message });
      }
    });
  };
  void listAndWatch(
    {
      client: o.client,
      type: nodes,
      onList: (items) => {
        const now = new Set(items.map((n) => n.metadata.name!));
        // Deleted while the watch was down.
        for (const name of known) if (!now.has(name)) removeFor(name);
        known = now;
      },
      onEvent: (ev) => {
        const name = ev.object.metadata.name!;
        if (ev.type === 'DELETED') {
          known.delete(name);
          removeFor(name);
        } else known.add(name);
      },
      retryMs: 2000,
    },
    abort.signal,
  ).catch((err) => o.log.warn('watching nodes for etcd member removal failed', { error: (err as Error).message }));
  return () => abort.abort();
}
