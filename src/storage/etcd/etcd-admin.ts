// Cluster administration on an etcd we run ourselves (managed etcd): membership (list, add as a
// learner, promote, remove), Status and the Snapshot stream. Apart from EtcdClient because member
// IDs are 64-bit random numbers: this loader keeps every 64-bit field as a decimal string, where the
// KV client's numbers (revisions, < 2^53) are fine as numbers.
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { Writable } from 'node:stream';
import { parseEtcdEndpoints, type EtcdEndpoint } from './endpoints.js';
import { EtcdError } from './etcd-client.js';
import { ETCD_PROTO } from './etcd-proto.js';
import type { TlsMaterial } from './tls-files.js';

export interface EtcdMember {
  /** Decimal text of etcd's uint64 member ID. */
  ID: string;
  /** Empty until the member has started once. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EtcdMemberStatus {
  version: string;
  /** The member that answered, and the one it takes for the raft leader. */
  memberId: string;
  leader: string;
  isLearner: boolean;
  dbSize: string;
}

interface AdminClients {
  endpoint: EtcdEndpoint;
  cluster: grpc.Client;
  maintenance: grpc.Client;
}

let services: { Cluster: grpc.ServiceClientConstructor; Maintenance: grpc.ServiceClientConstructor } | undefined;
function loadServices() {
  if (!services) {
    const root = protobuf.parse(ETCD_PROTO).root;
    const definition = fromJSON(root.toJSON(), { longs: String, enums: String, bytes: Buffer, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition).etcdserverpb as grpc.GrpcObject;
    services = { Cluster: pkg.Cluster as grpc.ServiceClientConstructor, Maintenance: pkg.Maintenance as grpc.ServiceClientConstructor };
  }
  return services;
}

const statusNames = Object.fromEntries(Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;
const unavailable = (e: EtcdError) => e.code === 'UNAVAILABLE' || e.code === 'DEADLINE_EXCEEDED';

export class EtcdAdmin {
  private readonly members: AdminClients[];

  constructor(endpoints: string, tls: TlsMaterial, private readonly timeoutMs = 10_000) {
    const { Cluster, Maintenance } = loadServices();
    this.members = parseEtcdEndpoints(endpoints).map((endpoint) => {
      const creds = endpoint.tls ? grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null) : grpc.credentials.createInsecure();
      const options = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 };
      return { endpoint, cluster: new Cluster(endpoint.address, creds, options), maintenance: new Maintenance(endpoint.address, creds, options) };
    });
  }

  /** One call, tried on each member in turn while they are unreachable. Membership changes go
   *  through raft, so repeating one on another member after a connection error is what etcdctl does. */
  private async call<T>(service: 'cluster' | 'maintenance', method: string, request: object): Promise<T> {
    let last: EtcdError | undefined;
    for (const m of this.members) {
      try {
        return await new Promise<T>((resolve, reject) => {
          const client = m[service] as unknown as Record<string, (req: object, o: grpc.CallOptions, cb: grpc.requestCallback<unknown>) => void>;
          client[method]!.call(m[service], request, { deadline: new Date(Date.now() + this.timeoutMs) }, (err, res) =>
            err ? reject(new EtcdError(statusNames[err.code] ?? String(err.code), err.details, m.endpoint.url)) : resolve(res as T),
          );
        });
      } catch (err) {
        if (!(err instanceof EtcdError) || !unavailable(err)) throw err;
        last = err;
      }
    }
    throw last ?? new Error('no etcd endpoints');
  }

  async memberList(): Promise<EtcdMember[]> {
    return (await this.call<{ members: EtcdMember[] }>('cluster', 'MemberList', {})).members;
  }

  /** Adds a learner: it catches up without counting towards quorum, so a joiner that never starts
   *  cannot take the cluster's quorum away. Returns the new member and the list after the add. */
  async addLearner(peerURL: string): Promise<{ member: EtcdMember; members: EtcdMember[] }> {
    return this.call('cluster', 'MemberAdd', { peerURLs: [peerURL], isLearner: true });
  }

  async promote(id: string): Promise<EtcdMember[]> {
    return (await this.call<{ members: EtcdMember[] }>('cluster', 'MemberPromote', { ID: id })).members;
  }

  async remove(id: string): Promise<EtcdMember[]> {
    return (await this.call<{ members: EtcdMember[] }>('cluster', 'MemberRemove', { ID: id })).members;
  }

  async status(): Promise<EtcdMemberStatus> {
    const s = await this.call<{ header: { member_id: string }; version: string; leader: string; isLearner: boolean; dbSize: string }>('maintenance', 'Status', {});
    return { version: s.version, memberId: s.header.member_id, leader: s.leader, isLearner: s.isLearner, dbSize: s.dbSize };
  }

  /** Streams a consistent copy of the first reachable member's database (bbolt file with etcd's
   *  sha256 at its end, what `etcdctl snapshot restore` checks) into `out`; resolves with its size. */
  snapshot(out: Writable): Promise<number> {
    const m = this.members[0]!;
    return new Promise((resolve, reject) => {
      let size = 0;
      const stream = (m.maintenance as unknown as { Snapshot(req: object): grpc.ClientReadableStream<{ blob: Buffer }> }).Snapshot({});
      stream.on('data', (chunk: { blob: Buffer }) => {
        size += chunk.blob.length;
        if (!out.write(chunk.blob)) {
          stream.pause();
          out.once('drain', () => stream.resume());
        }
      });
      stream.on('error', (err: grpc.ServiceError) => reject(new EtcdError(statusNames[err.code] ?? String(err.code), err.details, m.endpoint.url)));
      stream.on('end', () => out.end(() => resolve(size)));
      out.on('error', reject);
    });
  }

  close(): void {
    for (const m of this.members) {
      m.cluster.close();
      m.maintenance.close();
    }
  }
}
