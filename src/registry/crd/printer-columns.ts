// A custom resource's Table: Name, then the version's additionalPrinterColumns (or Age when it has
// none), as kube-apiserver prints custom resources.
import type { ColumnDefinition, TableConvertor } from '../types.js';
import { ageOf } from '../tables/age.js';
import { evaluateJsonPath } from './json-path.js';
import type { PrinterColumn } from './types.js';

const NAME: ColumnDefinition = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0 };
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

type Cell = string | number | boolean | null;

function cell(type: string, values: unknown[], now: Date): Cell {
  if (values.length === 0) return null;
  if (values.length > 1) return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
  const v = values[0];
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  if (type === 'integer' || type === 'number') return typeof v === 'number' ? v : null;
  if (type === 'boolean') return typeof v === 'boolean' ? v : null;
  // Dates are printed as ages, as for every built-in kind.
  if (type === 'date') return typeof v === 'string' ? ageOf(v, now) : String(v);
  return typeof v === 'string' ? v : String(v);
}

export function printerColumnsTable(columns: readonly PrinterColumn[] | undefined): TableConvertor {
  const cols = columns?.length ? columns : [AGE];
  return {
    columns: [
      NAME,
      ...cols.map((c): ColumnDefinition => ({
        name: c.name,
        type: c.type as ColumnDefinition['type'],
        format: c.format ?? '',
        description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      })),
    ],
    cells: (obj, now) => [obj.metadata.name ?? '', ...cols.map((c) => cell(c.type, evaluateJsonPath(c.jsonPath, obj), now))],
  };
}
