// Sums over a Deployment's ReplicaSets. Two are deliberately more careful than upstream, because
// a ReplicaSet's status lags its spec by one reconcile: pods counted against maxSurge take the
// larger of spec and status (pods of a just-scaled-down set may not be gone yet), and available
// pods never exceed spec (a just-scaled-down set no longer has them all).
import type { ReplicaSetSpec, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../../registry/types.js';

export const rsSpecReplicas = (rs: KObject): number => (rs.spec as ReplicaSetSpec).replicas ?? 1;
const st = (rs: KObject) => (rs.status ?? {}) as ReplicaSetStatus;
export const rsStatusReplicas = (rs: KObject): number => st(rs).replicas ?? 0;
export const rsAvailable = (rs: KObject): number => Math.min(st(rs).availableReplicas ?? 0, rsSpecReplicas(rs));

const sum = (rss: KObject[], f: (rs: KObject) => number) => rss.reduce((n, rs) => n + f(rs), 0);

/** Sum of spec.replicas. */
export const specTotal = (rss: KObject[]): number => sum(rss, rsSpecReplicas);
/** Pods that exist or are about to, for the surge bound. */
export const podTotal = (rss: KObject[]): number => sum(rss, (rs) => Math.max(rsSpecReplicas(rs), rsStatusReplicas(rs)));
export const statusTotal = (rss: KObject[]): number => sum(rss, rsStatusReplicas);
export const readyTotal = (rss: KObject[]): number => sum(rss, (rs) => st(rs).readyReplicas ?? 0);
export const availableTotal = (rss: KObject[]): number => sum(rss, rsAvailable);
/** Upstream's raw availability, for the status kubectl prints. */
export const reportedAvailableTotal = (rss: KObject[]): number => sum(rss, (rs) => st(rs).availableReplicas ?? 0);

export const isActiveSet = (rs: KObject): boolean => rsSpecReplicas(rs) > 0;

const created = (rs: KObject) => (rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0);
/** Oldest first; ties by name. */
export const byCreation = (a: KObject, b: KObject): number => created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
