// Kinds without their own table get what kube-apiserver's generic convertor gives them: the name and
// the creation time as an RFC 3339 date (not an age).
import type { KObject, TableConvertor } from '../types.js';
import { column, nameColumn } from './common.js';
import { doc } from './docs.js';

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 in UTC with whole seconds, as Go's time.RFC3339 prints it. */
export function rfc3339(ts: string | undefined): string {
  const t = ts ? Date.parse(ts) : NaN;
  if (Number.isNaN(t)) return GO_ZERO_TIME;
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const defaultTable: TableConvertor = {
  columns: [nameColumn(), column('Created At', 'date', doc['ObjectMeta.creationTimestamp'])],
  cells(obj: KObject) {
    return [obj.metadata.name ?? '', rfc3339(obj.metadata.creationTimestamp)];
  },
};
