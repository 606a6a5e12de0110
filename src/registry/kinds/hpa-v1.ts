// autoscaling/v1 HorizontalPodAutoscaler: the same stored objects as autoscaling/v2 (hpa.ts), seen
// through v1's single CPU target. Validation is v2's, on the converted object, as upstream
// validates the internal (v2-shaped) type whichever version was sent.
import type { KObject, ResourceDescriptor } from '../types.js';
import { isObject } from '../validation/common.js';
import { hpaBase, validateHpa } from './hpa.js';
import { ANNOTATIONS, hpaFromV1, hpaToV1 } from './hpa-conversion.js';

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  (obj.spec as { minReplicas?: number }).minReplicas ??= 1;
}

/** A v1 client writing the spec sends back the annotations it read; status ones it omits are the
 *  server's and are kept, as the status itself is. */
function prepareForUpdate(obj: KObject, old: KObject): void {
  for (const a of [ANNOTATIONS.currentMetrics, ANNOTATIONS.conditions]) {
    const kept = old.metadata.annotations?.[a];
    if (kept === undefined) continue;
    obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [a]: kept };
  }
}

export const horizontalPodAutoscalerV1: ResourceDescriptor = {
  ...hpaBase,
  version: 'v1',
  defaults,
  prepareForUpdate,
  validate: (obj, ctx) => validateHpa(hpaFromV1(obj), { old: ctx.old && hpaFromV1(ctx.old) }),
  conversion: { toStored: hpaFromV1, fromStored: hpaToV1 },
};
