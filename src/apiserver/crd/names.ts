// Whether a CRD's names may be served: within its group no other kind (built-in or another CRD's
// accepted names) may already use its plural, singular, short names, kind or list kind. Worded as
// upstream's NamesAccepted condition, so `kubectl describe crd` reads the same.
import type { ResourceDescriptor } from '../../registry/types.js';
import type { CrdNames } from '../../registry/crd/types.js';

export interface NamesVerdict {
  accepted: boolean;
  reason: string;
  message: string;
}

export function judgeNames(group: string, names: CrdNames, others: readonly ResourceDescriptor[]): NamesVerdict {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const d of others) {
    if (d.group !== group) continue;
    resources.add(d.plural);
    if (d.singular) resources.add(d.singular);
    for (const s of d.shortNames ?? []) resources.add(s);
    kinds.add(d.kind);
    kinds.add(d.listKind);
  }
  const singular = names.singular || names.kind.toLowerCase();
  const listKind = names.listKind || `${names.kind}List`;
  if (resources.has(names.plural)) return { accepted: false, reason: 'PluralConflict', message: `"${names.plural}" is already in use` };
  if (resources.has(singular)) return { accepted: false, reason: 'SingularConflict', message: `"${singular}" is already in use` };
  for (const s of names.shortNames ?? []) if (resources.has(s)) return { accepted: false, reason: 'ShortNamesConflict', message: `"${s}" is already in use` };
  if (kinds.has(names.kind)) return { accepted: false, reason: 'KindConflict', message: `"${names.kind}" is already in use` };
  if (kinds.has(listKind)) return { accepted: false, reason: 'ListKindConflict', message: `"${listKind}" is already in use` };
  return { accepted: true, reason: 'NoConflicts', message: 'no conflicts found' };
}
