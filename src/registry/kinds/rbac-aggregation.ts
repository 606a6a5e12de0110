// What an aggregated ClusterRole's rules are: those of every other ClusterRole its selectors match,
// in name order, each rule once. A fact about the kind, kept here so the clusterrole-aggregation
// controller (which writes the result) needs nothing from the API server's insides.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { KObject } from '../types.js';
import { canonical } from '../validation/common.js';
import { selectorMatches } from '../validation/selector.js';

export function selectorsOf(role: KObject): LabelSelector[] | undefined {
  const rule = role.aggregationRule as { clusterRoleSelectors?: LabelSelector[] } | undefined | null;
  return rule ? rule.clusterRoleSelectors ?? [] : undefined;
}

export function aggregatedRules(role: KObject, all: readonly KObject[]): PolicyRule[] {
  const selectors = selectorsOf(role) ?? [];
  const sources = all
    .filter((r) => r.metadata.name !== role.metadata.name && selectors.some((s) => selectorMatches(s, r.metadata.labels)))
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  const seen = new Set<string>();
  const rules: PolicyRule[] = [];
  for (const source of sources) {
    for (const rule of (source.rules as PolicyRule[] | undefined) ?? []) {
      const key = canonical(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return rules;
}
