// Records by name, each set contributed by one owner (a Service, the zone itself), replaced whole
// when that owner changes. A query is one map lookup; a change touches only the names of one owner.
// Names between a record and the zone apex exist too (empty non-terminals: `svc.<zone>`,
// `<ns>.svc.<zone>`, `_tcp.<svc>...`), so that resolvers get NOERROR there, not NXDOMAIN.
import type { ResourceRecord } from './message.js';

export class ZoneIndex {
  private readonly byName = new Map<string, Map<string, ResourceRecord[]>>();
  private readonly byOwner = new Map<string, string[]>();
  /** Goes up with every change: answers encoded under an older value may be stale. */
  generation = 0;

  /** `zone` bounds the empty non-terminals; names outside it (reverse names) get no ancestors. */
  constructor(private readonly zone: string) {}

  /** Replaces what `owner` contributed. Names must be lowercase; `names` exist even without records. */
  set(owner: string, records: ResourceRecord[], names: string[] = []): void {
    this.remove(owner);
    const grouped = new Map<string, ResourceRecord[]>();
    const add = (name: string) => {
      if (!grouped.has(name)) grouped.set(name, []);
    };
    for (const name of names) add(name);
    for (const rr of records) {
      add(rr.name);
      grouped.get(rr.name)!.push(rr);
    }
    for (const name of [...grouped.keys()]) for (const a of this.ancestors(name)) add(a);
    for (const [name, rrs] of grouped) {
      let owners = this.byName.get(name);
      if (!owners) this.byName.set(name, (owners = new Map()));
      owners.set(owner, rrs);
    }
    this.byOwner.set(owner, [...grouped.keys()]);
    this.generation++;
  }

  delete(owner: string): void {
    if (this.remove(owner)) this.generation++;
  }

  /** The records at `name` (lowercase): undefined when the name does not exist, [] when it exists
   *  with none. */
  lookup(name: string): ResourceRecord[] | undefined {
    const owners = this.byName.get(name);
    if (!owners) return undefined;
    if (owners.size === 1) return owners.values().next().value!;
    return [...owners.values()].flat();
  }

  private remove(owner: string): boolean {
    const names = this.byOwner.get(owner);
    if (!names) return false;
    for (const name of names) {
      const owners = this.byName.get(name)!;
      owners.delete(owner);
      if (owners.size === 0) this.byName.delete(name);
    }
    this.byOwner.delete(owner);
    return true;
  }

  private *ancestors(name: string): Iterable<string> {
    const suffix = `.${this.zone}`;
    if (!name.endsWith(suffix)) return;
    for (let i = name.indexOf('.'); i >= 0 && i < name.length - suffix.length; i = name.indexOf('.', i + 1)) yield name.slice(i + 1);
  }
}
