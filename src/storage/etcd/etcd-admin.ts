// Cluster administration on an etcd we run ourselves (managed etcd): membership (list, add as a
// learner, promote, remove), Status and the Snapshot stream. Apart from EtcdClient because its calls
// are not the backend's: no active member to keep, member IDs as exact decimal text
// (etcd-admin-codec.ts), and a snapshot that must not outrun the disk it is written to.
import type { Writable } from 'node:stream';
import { parseEtcdEndpoints } from './endpoints.js';
import { decodeAdmin, encodeAdmin, type EtcdMember, type EtcdMemberStatus } from './etcd-admin-codec.js';
import { etcdError, isUnavailable, type EtcdError } from './etcd-client.js';
import { GrpcChannel, type CallFailure, type MessageStream } from './grpc-channel.js';
import type { TlsMaterial } from './tls-files.js';

export type { EtcdMember, EtcdMemberStatus };


export class EtcdAdmin {
  private readonly channels: GrpcChannel[];

  constructor(endpoints: string, tls: TlsMaterial, private readonly timeoutMs = 10_000) {
    this.channels = parseEtcdEndpoints(endpoints).map((endpoint) => new GrpcChannel(endpoint, tls));
  }

  /** One call, tried on each member in turn while they are unreachable. Membership changes go
   *  through raft, so repeating one on another member after a connection error is what etcdctl does. */
  private async call<T>(path: string, request: Uint8Array, parse: (b: Buffer) => T): Promise<T> {
    let last: EtcdError | undefined;
    for (const channel of this.channels) {
      try {
        return await channel.unary(path, request, this.timeoutMs, parse);
      } catch (f) {
        const err = etcdError(f as CallFailure, channel.endpoint.url);
        if (!isUnavailable(err)) throw err;
        last = err;
      }
    }
    throw last ?? new Error('no etcd endpoints');
  }

  async memberList(): Promise<EtcdMember[]> {
    return this.call('/etcdserverpb.Cluster/MemberList', encodeAdmin.memberList(), decodeAdmin.members);
  }

  /** Adds a learner: it catches up without counting towards quorum, so a joiner that never starts
   *  cannot take the cluster's quorum away. Returns the new member and the list after the add. */
  async addLearner(peerURL: string): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    return this.call('/etcdserverpb.Cluster/MemberAdd', encodeAdmin.memberAdd({ peerURLs: [peerURL], isLearner: true }), decodeAdmin.memberAdd);
  }

  async promote(id: string): Promise<EtcdMember[]> {
    return this.call('/etcdserverpb.Cluster/MemberPromote', encodeAdmin.memberPromote(id), decodeAdmin.members);
  }

  async remove(id: string): Promise<EtcdMember[]> {
    return this.call('/etcdserverpb.Cluster/MemberRemove', encodeAdmin.memberRemove(id), decodeAdmin.members);
  }

  async status(): Promise<EtcdMemberStatus> {
    return this.call('/etcdserverpb.Maintenance/Status', encodeAdmin.status(), decodeAdmin.status);
  }

  /** Streams a consistent copy of the first member's database (bbolt file with etcd's sha256 at its
   *  end, what `etcdctl snapshot restore` checks) into `out`; resolves with its size once `out` has
   *  flushed. While `out` is full the stream is paused, so HTTP/2 flow control holds etcd back
   *  instead of the whole database piling up in memory ahead of a slow disk. */
  async snapshot(out: Writable): Promise<number> {
    const channel = this.channels[0]!;
    let size = 0;
    let stream: MessageStream | undefined;
    let settle!: { resolve(n: number): void; reject(err: unknown): void };
    const done = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
    let finished = false;
    let paused = false;
    const succeed = () => {
      if (finished) return;
      finished = true;
      settle.resolve(size);
    };
    // As stream.pipeline does: a failed copy closes `out` too, so its file descriptor is not left open.
    const fail = (err: unknown) => {
      if (finished) return;
      finished = true;
      stream?.cancel();
      if (!out.destroyed) out.destroy();
      settle.reject(err);
    };
    out.on('error', fail);
    try {
      stream = await channel.openStream('/etcdserverpb.Maintenance/Snapshot', {
        parse: decodeAdmin.snapshot,
        onMessage: (blob) => {
          if (finished) return;
          size += blob.length;
          if (!out.write(blob) && !paused) {
            paused = true;
            stream?.pause();
            out.once('drain', () => {
              paused = false;
              stream?.resume();
            });
          }
        },
        onEnd: (f) => {
          if (f) return fail(etcdError(f, channel.endpoint.url));
          out.end((err?: Error | null) => (err ? fail(err) : succeed()));
        },
      });
    } catch (f) {
      fail(etcdError(f as CallFailure, channel.endpoint.url));
      return done;
    }
    stream.write(encodeAdmin.snapshot());
    stream.end();
    return done;
  }

  close(): void {
    for (const c of this.channels) c.close();
  }
}
