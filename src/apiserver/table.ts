// Server-side printing: a metav1.Table built from a descriptor's columns, with each row carrying the
// object (or its metadata) so kubectl can add NAMESPACE, LABELS and -L columns and sort.
import type { ColumnDefinition, KObject, ResourceDescriptor, TableConvertor } from '../registry/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const nameAndAge: TableConvertor = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  ],
  cells: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''],
};

export function convertorFor(d: ResourceDescriptor): TableConvertor {
  return d.table ?? nameAndAge;
}

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export function rowObject(obj: KObject, include: IncludeObject, metaApiVersion: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: metaApiVersion, metadata: obj.metadata };
}

export interface TableOptions {
  include: IncludeObject;
  apiVersion: string;
  resourceVersion?: string;
  continueToken?: string;
  /** Watch events after the first carry no column definitions, as upstream does. */
  withColumns?: boolean;
}

export function buildTable(d: ResourceDescriptor, objects: KObject[], opts: TableOptions) {
  const conv = convertorFor(d);
  const now = new Date();
  const columns: ColumnDefinition[] = opts.withColumns === false ? [] : conv.columns;
  const metadata: Record<string, string> = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return {
    kind: 'Table',
    apiVersion: opts.apiVersion,
    metadata,
    columnDefinitions: columns,
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: safeCells(conv, obj, now) };
      const o = rowObject(obj, opts.include, opts.apiVersion);
      if (o !== undefined) row.object = o;
      return row;
    }),
  };
}

/** A printer bug must not turn a whole list into a 500: show what we can. */
function safeCells(conv: TableConvertor, obj: KObject, now: Date) {
  try {
    return conv.cells(obj, now);
  } catch {
    return conv.columns.map((c, i) => (i === 0 ? (obj.metadata.name ?? '') : c.type === 'integer' ? 0 : '<unknown>'));
  }
}
