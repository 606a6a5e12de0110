// Where this cluster's keys live inside etcd. K3s (and kube-apiserver against an external etcd) put
// keys at etcd's root, so the default prefix is empty and `/registry/...` keys are stored as they
// are; a prefix lets several clusters share one etcd, each seeing only its own subtree (compaction,
// being etcd-wide, is shared). All of it is byte arithmetic on UTF-8, which sorts like etcd does.

export interface KeyRange {
  key: Buffer;
  /** Exclusive end; a single zero byte means "to the end of the keyspace" (etcd's convention). */
  rangeEnd: Buffer;
}

const ZERO = Buffer.from([0]);

/** The first key after every key that starts with `prefix`, or undefined when there is none. */
function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

export class KeySpace {
  private readonly root: Buffer;

  constructor(readonly prefix: string) {
    this.root = Buffer.from(prefix, 'utf8');
  }

  encode(key: string): Buffer {
    return Buffer.concat([this.root, Buffer.from(key, 'utf8')]);
  }

  decode(key: Buffer): string {
    return key.subarray(this.root.length).toString('utf8');
  }

  /** Keys starting with `prefix`, strictly after `after` when given. Undefined when the range is empty. */
  range(prefix: string, after?: string): KeyRange | undefined {
    const start = this.encode(prefix);
    const end = prefixEnd(start);
    let key = start.length === 0 ? ZERO : start;
    if (after !== undefined) {
      // The smallest key greater than `after` is `after` followed by a zero byte.
      const next = Buffer.concat([this.encode(after), ZERO]);
      if (Buffer.compare(next, key) > 0) key = next;
    }
    if (end && Buffer.compare(key, end) >= 0) return undefined;
    return { key, rangeEnd: end ?? ZERO };
  }

  /** One key inside this space that reads can name when only the response header matters. */
  probeKey(): Buffer {
    return this.root.length === 0 ? ZERO : this.root;
  }
}
