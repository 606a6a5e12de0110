// Container events without GetContainerEvents (containerd 1.6 does not implement it): while anyone
// listens, list the containers every interval and report what changed since the last list. Changes
// this process makes itself (create, start, stop, remove) are reported at once instead of up to an
// interval later, and a list that was already under way cannot undo them.
import type { ContainerEvent, ContainerState } from '../types.js';

export interface ListedContainer {
  id: string;
  sandboxId: string;
  state: ContainerState;
}

interface Known {
  sandboxId: string;
  /** 'deleted': removed through this runtime, remembered until a list no longer shows it, so an
   *  older list cannot bring it back. */
  state: ContainerState | 'deleted';
  /** The change counter when this process last recorded the container itself. */
  noted: number;
}

export interface RelistOptions {
  list(): Promise<ListedContainer[]>;
  intervalMs: number;
  onError(err: unknown): void;
}

export class Relister {
  private readonly listeners = new Set<(ev: ContainerEvent) => void>();
  private known = new Map<string, Known>();
  private changes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Whether `known` holds a full list yet; the first list is a baseline and reports nothing. */
  private baseline = false;
  private closed = false;

  constructor(private readonly o: RelistOptions) {}

  subscribe(listener: (ev: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1 && !this.closed) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** A change made through this runtime: reported now, and the next list will not repeat it. */
  noted(id: string, sandboxId: string, state: ContainerState | 'deleted'): void {
    if (this.listeners.size === 0) return;
    this.changes++;
    const prev = this.known.get(id);
    if (state === 'deleted') {
      // Removing a running container kills it first.
      if (prev?.state === 'running') this.emit({ containerId: id, sandboxId, type: 'stopped' });
      if (prev?.state !== 'deleted') this.emit({ containerId: id, sandboxId, type: 'deleted' });
    } else {
      this.transition(id, sandboxId, prev?.state, state);
    }
    this.known.set(id, { sandboxId, state, noted: this.changes });
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.stop();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.known.clear();
    this.baseline = false;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.relist(), ms);
    // Listening alone does not keep a process alive.
    this.timer.unref();
  }

  private async relist(): Promise<void> {
    const since = this.changes;
    try {
      const listed = await this.o.list();
      if (this.listeners.size > 0) this.apply(listed, since);
    } catch (err) {
      // A list cut short by close() is not worth a log line.
      if (!this.closed) this.o.onError(err);
    }
    if (this.listeners.size > 0 && !this.closed) this.schedule(this.o.intervalMs);
  }

  private apply(listed: ListedContainer[], since: number): void {
    const report = this.baseline;
    this.baseline = true;
    const seen = new Set<string>();
    for (const c of listed) {
      seen.add(c.id);
      const prev = this.known.get(c.id);
      if (prev && prev.noted > since) continue; // this process changed it after the list was taken
      // The runtime lost track of it for a moment (its shim is not answering): no news.
      if (c.state === 'unknown' && prev) continue;
      if (report) this.transition(c.id, c.sandboxId, prev?.state, c.state);
      this.known.set(c.id, { sandboxId: c.sandboxId, state: c.state, noted: prev?.noted ?? 0 });
    }
    for (const [id, k] of this.known) {
      if (seen.has(id) || k.noted > since) continue;
      this.known.delete(id);
      if (report && k.state !== 'deleted') this.emit({ containerId: id, sandboxId: k.sandboxId, type: 'deleted' });
    }
  }

  /** created, started, stopped in order, from where the container was to where it is. A container
   *  that went from created straight to exited (it failed to start) is reported stopped only. */
  private transition(id: string, sandboxId: string, from: Known['state'] | undefined, to: ContainerState): void {
    if (to === 'unknown' || from === 'deleted') return;
    const ev = (type: ContainerEvent['type']) => this.emit({ containerId: id, sandboxId, type });
    if (from === undefined) ev('created');
    if (to === 'running' && from !== 'running' && from !== 'exited') ev('started');
    if (to === 'exited' && from !== 'exited') ev('stopped');
  }

  private emit(ev: ContainerEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
