// Pieces shared by several kinds' tables: standard columns and the label/selector formats kubectl shows.
import { labelSelectorFromObject, SelectorError, type LabelSelectorObject } from '../selectors/label.js';
import type { ColumnDefinition } from '../types.js';
import { doc } from './docs.js';

type ColumnType = ColumnDefinition['type'];

export function column(name: string, type: ColumnType, description: string, opts: { wide?: boolean; format?: string } = {}): ColumnDefinition {
  return { name, type, format: opts.format ?? '', description, priority: opts.wide ? 1 : 0 };
}

export const nameColumn = (): ColumnDefinition => column('Name', 'string', doc['ObjectMeta.name'], { format: 'name' });
export const ageColumn = (): ColumnDefinition => column('Age', 'string', doc['ObjectMeta.creationTimestamp']);

/** The wide Containers/Images/Selector trio that every workload controller shows. */
export function templateColumns(selectorDescription: string): ColumnDefinition[] {
  return [
    column('Containers', 'string', 'Names of each container in the template.', { wide: true }),
    column('Images', 'string', 'Images referenced by each container in the template.', { wide: true }),
    column('Selector', 'string', selectorDescription, { wide: true }),
  ];
}

export interface ContainerLike { name?: string; image?: string }

/** Names and images of the template's regular containers, each comma-joined. */
export function containerCells(containers: ContainerLike[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `k=v,k2=v2` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/**
 * A LabelSelector as kubectl shows it (upstream's FormatLabelSelector): the canonical selector
 * string, `<none>` when it is nil or empty, `<error>` when it cannot be compiled.
 */
export function formatLabelSelector(selector: LabelSelectorObject | undefined | null): string {
  try {
    return labelSelectorFromObject(selector).string || '<none>';
  } catch (err) {
    if (err instanceof SelectorError) return '<error>';
    throw err;
  }
}

/** Reads a nested field without trusting the object's shape. */
export function field<T>(obj: unknown, ...path: string[]): T | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur as T | undefined;
}

export const int = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : 0);
