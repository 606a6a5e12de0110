// A registry whose kinds may change while the server runs: the built-in descriptors stay fixed, and
// owners (a CustomResourceDefinition, by its name) add or withdraw sets of descriptors. Readers see
// one array that is replaced, never mutated, so a request that already holds it is not disturbed.
import type { ResourceDescriptor } from './types.js';

export interface DynamicRegistry {
  /** Every descriptor served right now: the built-in ones first, then the added ones. */
  readonly descriptors: readonly ResourceDescriptor[];
  /** Counts changes, so caches built from `descriptors` (discovery, OpenAPI) know when to rebuild. */
  readonly revision: number;
  findByResource(group: string, version: string, plural: string): ResourceDescriptor | undefined;
  findByKind(group: string, version: string, kind: string): ResourceDescriptor | undefined;
  /** Replaces the descriptors `owner` serves (an empty list withdraws them). */
  set(owner: string, descriptors: readonly ResourceDescriptor[]): void;
  /** The descriptors `owner` serves now. */
  ownedBy(owner: string): readonly ResourceDescriptor[];
  /** Called after every change. Returns a function that stops the calls. */
  subscribe(listener: () => void): () => void;
}

const gv = (group: string, version: string) => `${group}/${version}`;

export function createDynamicRegistry(builtIn: readonly ResourceDescriptor[]): DynamicRegistry {
  const owned = new Map<string, readonly ResourceDescriptor[]>();
  const listeners = new Set<() => void>();
  let all: readonly ResourceDescriptor[] = builtIn;
  let byResource = new Map<string, ResourceDescriptor>();
  let byKind = new Map<string, ResourceDescriptor>();
  let revision = 0;

  const rebuild = () => {
    all = [...builtIn, ...[...owned.values()].flat()];
    const r = new Map<string, ResourceDescriptor>();
    const k = new Map<string, ResourceDescriptor>();
    // Built-in kinds win any clash; the CRD controller refuses clashing names before they get here.
    for (const d of [...all].reverse()) {
      r.set(`${gv(d.group, d.version)}/${d.plural}`, d);
      k.set(`${gv(d.group, d.version)}/${d.kind}`, d);
    }
    byResource = r;
    byKind = k;
    revision++;
  };
  rebuild();

  return {
    get descriptors() {
      return all;
    },
    get revision() {
      return revision;
    },
    findByResource: (group, version, plural) => byResource.get(`${gv(group, version)}/${plural}`),
    findByKind: (group, version, kind) => byKind.get(`${gv(group, version)}/${kind}`),
    set(owner, descriptors) {
      const before = owned.get(owner);
      if (descriptors.length === 0) {
        if (!before) return;
        owned.delete(owner);
      } else owned.set(owner, [...descriptors]);
      rebuild();
      for (const l of [...listeners]) {
        try {
          l();
        } catch {
          // a listener's failure is its own; the registry has changed either way
        }
      }
    },
    ownedBy: (owner) => owned.get(owner) ?? [],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
