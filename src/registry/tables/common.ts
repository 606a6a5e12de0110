// Pieces shared by several kinds' tables: standard columns and the label/selector formats kubectl shows.
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

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A LabelSelector in label-query syntax, requirements sorted by key; `<none>` for nil or empty. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  if (!selector) return '<none>';
  const reqs: Array<{ key: string; text: string }> = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In': reqs.push({ key: e.key, text: `${e.key} in (${values})` }); break;
      case 'NotIn': reqs.push({ key: e.key, text: `${e.key} notin (${values})` }); break;
      case 'Exists': reqs.push({ key: e.key, text: e.key }); break;
      case 'DoesNotExist': reqs.push({ key: e.key, text: `!${e.key}` }); break;
      default: return '<error>';
    }
  }
  if (reqs.length === 0) return '<none>';
  // Stable sort keeps matchLabels ahead of expressions on the same key.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
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
