// Events as controllers, the scheduler and the kubelet report them (`kubectl describe` and
// `kubectl get events` read these). A repeat of the same reason and message for the same object
// bumps the count of the event already written instead of adding another, as client-go's
// correlator does; recording never throws, because an event is never worth failing the work for.
import { randomBytes } from 'node:crypto';
import type { KObject } from '../registry/types.js';
import type { Client } from './types.js';

const eventsType = { group: '', version: 'v1', resource: 'events' };

export interface EventSource {
  /** e.g. 'default-scheduler', 'deployment-controller', 'kubelet'. */
  component: string;
  /** The node name, for the kubelet. */
  host?: string;
}

export interface EventRecorder {
  normal(about: KObject, reason: string, message: string): void;
  warning(about: KObject, reason: string, message: string): void;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

/** How long a repeat is folded into the event already written. */
const foldWindowMs = 10 * 60_000;
const maxRemembered = 4096;

export function createEventRecorder(client: Client, source: EventSource, onError?: (err: unknown) => void): EventRecorder {
  const seen = new Map<string, Seen>();
  const record = (about: KObject, type: 'Normal' | 'Warning', reason: string, message: string) => {
    const m = about.metadata;
    const namespace = m.namespace ?? 'default';
    const key = `${m.uid ?? `${m.namespace}/${m.name}`}\u0000${type}\u0000${reason}\u0000${message}`;
    const now = new Date();
    const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const prior = seen.get(key);
    const write = async () => {
      if (prior && now.getTime() - prior.at < foldWindowMs) {
        prior.count++;
        prior.at = now.getTime();
        try {
          await client.patch(eventsType, prior.namespace, prior.name, { type: 'merge', body: { count: prior.count, lastTimestamp: timestamp } });
          return;
        } catch {
          seen.delete(key); // gone (expired or deleted): write a fresh one
        }
      }
      const name = `${m.name}.${randomBytes(8).toString('hex')}`;
      await client.create(eventsType, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          kind: about.kind,
          apiVersion: about.apiVersion,
          name: m.name,
          ...(m.namespace ? { namespace: m.namespace } : {}),
          ...(m.uid ? { uid: m.uid } : {}),
          ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
      } as KObject);
      if (seen.size >= maxRemembered) seen.delete(seen.keys().next().value as string);
      seen.set(key, { name, namespace, count: 1, at: now.getTime() });
    };
    write().catch((err) => onError?.(err));
  };
  return {
    normal: (about, reason, message) => record(about, 'Normal', reason, message),
    warning: (about, reason, message) => record(about, 'Warning', reason, message),
  };
}
