// `kubectl get events`: core/v1 Events, and events.k8s.io/v1 Events mapped onto the same fields first
// (kube-apiserver prints both from one internal type, so the rows must agree).
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as NewEvent } from 'kubernetes-types/events/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { column, nameColumn } from './common.js';
import { doc } from './docs.js';

const columns = [
  column('Last Seen', 'string', doc['Event.lastTimestamp']),
  column('Type', 'string', doc['Event.type']),
  column('Reason', 'string', doc['Event.reason']),
  column('Object', 'string', doc['Event.involvedObject']),
  column('Subobject', 'string', doc['ObjectReference.fieldPath'], { wide: true }),
  column('Source', 'string', doc['Event.source'], { wide: true }),
  column('Message', 'string', doc['Event.message']),
  column('First Seen', 'string', doc['Event.firstTimestamp'], { wide: true }),
  column('Count', 'string', doc['Event.count'], { wide: true }),
  { ...nameColumn(), priority: 1 },
];

function eventCells(ev: CoreEvent, now: Date): Array<string | number> {
  const first = ev.firstTimestamp ? ageOf(ev.firstTimestamp, now) : ageOf(ev.eventTime, now);
  let last = ev.lastTimestamp ? ageOf(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = ageOf(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    // Events reported through the newer API are singletons without a count.
    count = 1;
  }
  const inv = ev.involvedObject ?? {};
  const kind = (inv.kind ?? '').toLowerCase();
  const object = inv.name ? `${kind}/${inv.name}` : kind;
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  const source = instance ? `${component}, ${instance}` : component;
  return [
    last,
    ev.type ?? '',
    ev.reason ?? '',
    object,
    inv.fieldPath ?? '',
    source,
    (ev.message ?? '').trim(),
    first,
    count,
    ev.metadata?.name ?? '',
  ];
}

/** events.k8s.io/v1 → the core/v1 shape, field for field as the API server converts it. */
export function toCoreEvent(ev: NewEvent): CoreEvent {
  return {
    metadata: ev.metadata ?? {},
    involvedObject: ev.regarding ?? {},
    related: ev.related,
    reason: ev.reason,
    message: ev.note,
    type: ev.type,
    action: ev.action,
    eventTime: ev.eventTime,
    series: ev.series ? { count: ev.series.count, lastObservedTime: ev.series.lastObservedTime } : undefined,
    reportingComponent: ev.reportingController ?? '',
    reportingInstance: ev.reportingInstance ?? '',
    source: ev.deprecatedSource,
    firstTimestamp: ev.deprecatedFirstTimestamp,
    lastTimestamp: ev.deprecatedLastTimestamp,
    count: ev.deprecatedCount,
  };
}

export const eventTable: TableConvertor = {
  columns,
  cells: (obj: KObject, now: Date) => eventCells(obj as unknown as CoreEvent, now),
};

export const eventsV1Table: TableConvertor = {
  columns,
  cells: (obj: KObject, now: Date) => eventCells(toCoreEvent(obj as unknown as NewEvent), now),
};
