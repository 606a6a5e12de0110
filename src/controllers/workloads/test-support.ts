// For the workload tests: play the kubelet (pod status through the status subresource) and wait
// for the controllers to converge.
import type { Client } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { podsType } from './resources.js';

export async function eventually<T>(check: () => Promise<T | false | undefined>, what = 'condition', ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function setPodRunning(client: Client, pod: KObject, ready = true): Promise<KObject> {
  return client.patch(podsType, pod.metadata.namespace, pod.metadata.name!, {
    type: 'merge',
    body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now() }] } },
  }, { subresource: 'status' });
}

export async function setPodFinished(client: Client, pod: KObject, phase: 'Succeeded' | 'Failed'): Promise<KObject> {
  const exitCode = phase === 'Succeeded' ? 0 : 1;
  return client.patch(podsType, pod.metadata.namespace, pod.metadata.name!, {
    type: 'merge',
    body: {
      status: {
        phase,
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now() }],
        containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: phase === 'Succeeded' ? 'Completed' : 'Error', finishedAt: now() } } }],
      },
    },
  }, { subresource: 'status' });
}

export async function listPods(client: Client, namespace: string, filter: (p: KObject) => boolean = () => true): Promise<KObject[]> {
  return (await client.list(podsType, { namespace })).items.filter(filter);
}

export async function eventsFor(client: Client, namespace: string, name: string): Promise<Array<{ reason: string; message: string; source?: { component?: string } }>> {
  const list = await client.list({ group: '', version: 'v1', resource: 'events' }, { namespace });
  return list.items.filter((e) => (e.involvedObject as { name?: string }).name === name) as never;
}

type EventLike = Awaited<ReturnType<typeof eventsFor>>[number];

/** Events are recorded in the background: waits until `count` events about `name` satisfy `match`. */
export async function expectEvents(client: Client, namespace: string, name: string, match: (e: EventLike) => boolean, count = 1): Promise<EventLike[]> {
  return eventually(async () => {
    const found = (await eventsFor(client, namespace, name)).filter(match);
    return found.length >= count ? found : false;
  }, `${count} matching event(s) about ${name}`);
}
