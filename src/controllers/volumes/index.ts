// The volume controllers the server runs: the claim binder (with the built-in local-path
// provisioner) and the volume reclaimer, sharing one event recorder.
import { createEventRecorder, type EventRecorder } from '../../client/events.js';
import type { Client } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runController, objectKeyOf } from '../runtime/run-controller.js';
import { claimKeysOfPod, claimsType, podsType, reconcileClaim, volumesType, type BinderContext } from './claim-binder.js';
import { ensureLocalPathClass, storageClassesType } from './local-path.js';
import { reconcileVolume } from './volume-reclaimer.js';

/** Writes an object's event only when it differs from the last one written about that object. */
function oncePerState(events: EventRecorder): EventRecorder {
  const last = new Map<string, string>();
  const once = (write: EventRecorder['normal']) => (about: KObject, reason: string, message: string) => {
    const k = about.metadata.uid ?? `${about.metadata.namespace}/${about.metadata.name}`;
    if (last.get(k) === `${reason}\u0000${message}`) return;
    if (last.size > 4096) last.delete(last.keys().next().value as string);
    last.set(k, `${reason}\u0000${message}`);
    write(about, reason, message);
  };
  return { normal: once(events.normal), warning: once(events.warning) };
}

export interface VolumeControllersOptions {
  client: Client;
  /** Run the built-in local-path provisioner and create its StorageClass (default true). */
  localStorage?: boolean;
  onError?(controller: string, key: string, err: unknown): void;
}

export async function runVolumeControllers(o: VolumeControllersOptions, signal: AbortSignal): Promise<{ stopped: Promise<void> }> {
  const localPath = o.localStorage !== false;
  const ctx: BinderContext = { client: o.client, events: oncePerState(createEventRecorder(o.client, { component: 'persistentvolume-controller' })), localPath };
  if (localPath) await ensureLocalPathClass(o.client);
  // Claims still waiting: a new volume, class or node may be what they wait for.
  const pending = new Set<string>();
  const claimRefKey = (v: KObject) => {
    const ref = (v.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef;
    return ref?.name ? [objectKeyOf(ref), ...pending] : [...pending];
  };
  const claims = await runController(
    {
      name: 'persistentvolume-binder',
      client: o.client,
      for: claimsType,
      watches: [
        { type: volumesType, keyOf: claimRefKey },
        { type: storageClassesType, keyOf: () => [...pending] },
        { type: podsType, keyOf: claimKeysOfPod },
      ],
      reconcile: async (key) => {
        const state = await reconcileClaim(ctx, key);
        if (state === 'pending') pending.add(key);
        else pending.delete(key);
      },
      onError: (key, err) => o.onError?.('persistentvolume-binder', key, err),
    },
    signal,
  );
  const volumes = await runController(
    {
      name: 'persistentvolume-reclaimer',
      client: o.client,
      for: volumesType,
      watches: [{ type: claimsType, keyOf: (c) => ((c.spec as { volumeName?: string } | undefined)?.volumeName ? [(c.spec as { volumeName: string }).volumeName] : undefined) }],
      reconcile: (key) => reconcileVolume(ctx, key),
      onError: (key, err) => o.onError?.('persistentvolume-reclaimer', key, err),
    },
    signal,
  );
  return { stopped: Promise.all([claims.stopped, volumes.stopped]).then(() => undefined) };
}
