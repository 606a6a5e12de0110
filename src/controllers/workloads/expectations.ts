// What a controller is still waiting to see of its own writes. It reads pods from a cache that a
// watch fills, and right after it created or deleted pods the cache still shows the old state;
// acting on it again would create or delete twice. So it records how many creations and which
// deletions it expects, the cache's events count them off, and until they are all seen (or a while
// has passed, should an event have been lost) it leaves the pod count alone.
export class Expectations {
  private readonly pending = new Map<string, { creations: number; deletions: Set<string>; since: number }>();

  constructor(private readonly opts: { ttlMs?: number; now?: () => number } = {}) {}

  private entry(key: string) {
    let e = this.pending.get(key);
    if (!e) this.pending.set(key, (e = { creations: 0, deletions: new Set(), since: this.time() }));
    return e;
  }

  private time(): number {
    return (this.opts.now ?? Date.now)();
  }

  expectCreations(key: string, count: number): void {
    const e = this.entry(key);
    e.creations += count;
    e.since = this.time();
  }

  /** A creation showed up in the cache, or will never happen (the create failed or was skipped). */
  creationObserved(key: string, count = 1): void {
    const e = this.pending.get(key);
    if (e) e.creations = Math.max(0, e.creations - count);
  }

  expectDeletions(key: string, uids: readonly string[]): void {
    const e = this.entry(key);
    for (const uid of uids) e.deletions.add(uid);
    e.since = this.time();
  }

  deletionObserved(key: string, uid: string | undefined): void {
    if (uid) this.pending.get(key)?.deletions.delete(uid);
  }

  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    if ((e.creations === 0 && e.deletions.size === 0) || this.time() - e.since > (this.opts.ttlMs ?? 5 * 60_000)) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}
