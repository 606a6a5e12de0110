// Membership, Status and Snapshot messages to and from bytes, for etcd-admin.ts. Apart from the KV
// codec because of one difference: member IDs are random 64-bit numbers, so every uint64 here is
// kept as its exact decimal text, where the KV codec's revisions (< 2^53) are fine as numbers.
import protobuf from 'protobufjs';
import { ETCD_PROTO } from './etcd-proto.js';

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

type Long = protobuf.Long;
/** The statics of the `long` package's class, which protobufjs types only as a constructor. */
interface LongClass {
  fromBits(low: number, high: number, unsigned: boolean): Long;
  fromString(text: string, unsigned: boolean): Long;
}
const NAMES = [
  'MemberListRequest', 'MemberAddRequest', 'MemberAddResponse', 'MemberPromoteRequest', 'MemberRemoveRequest', 'MembersResponse',
  'StatusRequest', 'StatusResponse', 'SnapshotRequest', 'SnapshotResponse',
] as const;
type Types = Record<(typeof NAMES)[number], protobuf.Type>;
let types: Types | undefined;
function t(): Types {
  if (!types) {
    const root = protobuf.parse(ETCD_PROTO).root;
    types = Object.fromEntries(NAMES.map((n) => [n, root.lookupType(`etcdserverpb.${n}`)])) as Types;
  }
  return types;
}

function longClass(): LongClass {
  // Without the `long` package protobufjs reads uint64 as doubles, which would round member IDs.
  if (!protobuf.util.Long) throw new Error('protobufjs has no Long support (the `long` package is missing): etcd member IDs would lose digits');
  return protobuf.util.Long as unknown as LongClass;
}

/** A uint64 as decoded (a Long; a number only for values protobufjs read without Long) to decimal text. */
const u64 = (v: Long | number | null | undefined): string =>
  v == null ? '0' : typeof v === 'number' ? String(v) : longClass().fromBits(v.low, v.high, true).toString();
/** An int64 that is never negative here (dbSize). */
const i64 = (v: Long | number | null | undefined): string => (v == null ? '0' : typeof v === 'number' ? String(v) : v.toString());

/** A member ID from decimal text; refused rather than wrapped or zeroed when it is not a uint64. */
function memberId(id: string): Long {
  const long = /^\d{1,20}$/.test(id) ? longClass().fromString(id, true) : undefined;
  if (!long || long.toString() !== id.replace(/^0+(?=\d)/, '')) throw new Error(`etcd member ID ${JSON.stringify(id)} is not a decimal uint64`);
  return long;
}

interface RawMember { ID: Long | number; name: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean }
const member = (m: RawMember | null | undefined): EtcdMember => ({
  ID: u64(m?.ID),
  name: m?.name ?? '',
  peerURLs: [...(m?.peerURLs ?? [])],
  clientURLs: [...(m?.clientURLs ?? [])],
  isLearner: m?.isLearner ?? false,
});
const members = (b: Buffer): EtcdMember[] => (t().MembersResponse.decode(b) as unknown as { members: RawMember[] }).members.map(member);

export const encodeAdmin = {
  memberList: () => t().MemberListRequest.encode({}).finish(),
  memberAdd: (r: { peerURLs: string[]; isLearner: boolean }) => t().MemberAddRequest.encode(r).finish(),
  memberPromote: (id: string) => t().MemberPromoteRequest.encode({ ID: memberId(id) }).finish(),
  memberRemove: (id: string) => t().MemberRemoveRequest.encode({ ID: memberId(id) }).finish(),
  status: () => t().StatusRequest.encode({}).finish(),
  snapshot: () => t().SnapshotRequest.encode({}).finish(),
};

export const decodeAdmin = {
  members,
  memberAdd: (b: Buffer): { member: EtcdMember; members: EtcdMember[] } => {
    const m = t().MemberAddResponse.decode(b) as unknown as { member?: RawMember | null; members: RawMember[] };
    return { member: member(m.member), members: m.members.map(member) };
  },
  status: (b: Buffer): EtcdMemberStatus => {
    const s = t().StatusResponse.decode(b) as unknown as {
      header?: { memberId: Long | number } | null; version: string; leader: Long | number; isLearner: boolean; dbSize: Long | number;
    };
    return { version: s.version, memberId: u64(s.header?.memberId), leader: u64(s.leader), isLearner: s.isLearner, dbSize: i64(s.dbSize) };
  },
  /** One chunk of the database file (the Buffer views the received frame). */
  snapshot: (b: Buffer): Buffer => {
    const blob = (t().SnapshotResponse.decode(b) as unknown as { blob?: Uint8Array | null }).blob;
    return blob ? Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength) : Buffer.alloc(0);
  },
};
