// Servers sharing a datastore each know what is allocated only from their own watch, so two of them
// could hand one ClusterIP or NodePort to two Services created at the same moment. A claim key per
// value, created atomically in the datastore before the Service is written, settles it: the second
// creator finds the key and picks again. Claims follow the Services: released when a Service gives a
// value up, and a claim no Service holds (its server died between claim and write) is taken over
// once it is old enough that the write it waited for cannot still arrive.
import type { Backend } from '../../storage/backend.js';
import { StorageError } from '../../storage/backend.js';

export type ClaimKind = 'serviceips' | 'nodeports';

export interface AllocationClaims {
  /** True when `owner` (a Service's namespace/name) holds the value afterwards. `heldByOther`: this
   *  server's view says another Service has it. */
  claim(kind: ClaimKind, value: number, owner: string, heldByOther: boolean): Promise<boolean>;
  /** Gives the value up if `owner` still holds its claim. */
  release(kind: ClaimKind, value: number, owner: string): Promise<void>;
}

/** A claim older than this without a Service holding it is an orphan. Far above any write's duration. */
export const ORPHAN_AFTER_MS = 60_000;

interface Claim {
  owner: string;
  at: number;
}

const key = (kind: ClaimKind, value: number) => `/k3ts/claims/${kind}/${value}`;

function parse(value: string): Claim | undefined {
  try {
    const c = JSON.parse(value) as Claim;
    return typeof c.owner === 'string' && typeof c.at === 'number' ? c : undefined;
  } catch {
    return undefined;
  }
}

export function datastoreClaims(backend: Backend, now: () => number = Date.now): AllocationClaims {
  return {
    async claim(kind, value, owner, heldByOther) {
      const k = key(kind, value);
      const mine = JSON.stringify({ owner, at: now() } satisfies Claim);
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await backend.create(k, mine);
          return true;
        } catch (err) {
          if (!(err instanceof StorageError && err.code === 'KeyExists')) throw err;
        }
        const current = await backend.get(k);
        if (!current) continue; // released in between: try to create again
        const c = parse(current.value);
        if (c?.owner === owner) return true;
        if (heldByOther || (c && now() - c.at < ORPHAN_AFTER_MS)) return false;
        try {
          await backend.update(k, mine, current.modRevision);
          return true;
        } catch (err) {
          if (!(err instanceof StorageError && (err.code === 'Conflict' || err.code === 'NotFound'))) throw err;
        }
      }
      return false;
    },
    async release(kind, value, owner) {
      const k = key(kind, value);
      const current = await backend.get(k);
      if (!current || parse(current.value)?.owner !== owner) return;
      try {
        await backend.delete(k, current.modRevision);
      } catch (err) {
        // Another server released or re-claimed it first.
        if (!(err instanceof StorageError && (err.code === 'Conflict' || err.code === 'NotFound'))) throw err;
      }
    },
  };
}
