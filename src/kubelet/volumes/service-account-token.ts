// Tokens for projected serviceAccountToken sources: asked of the API server (TokenRequest bound to
// the pod, so it dies with it), kept per pod, and asked again once 80 % of their lifetime has
// passed or they are a day old, as upstream's kubelet does; the periodic volume refresh then
// writes the new one. A token the server will not give keeps the old one until it expires.
import type { Pod, ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import { VolumeError } from './types.js';

const DAY_MS = 24 * 3600_000;

interface Held {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export interface ServiceAccountTokens {
  /** The token for this pod and projection, fresh enough to write. */
  tokenFor(pod: Pod, projection: ServiceAccountTokenProjection, volume: string): Promise<string>;
  /** Forgets a pod's tokens (its volumes are torn down). */
  forget(podUid: string): void;
}

export function needsRefresh(held: Held, now: number): boolean {
  const ttl = held.expiresAt - held.issuedAt;
  return now >= held.issuedAt + ttl * 0.8 || now - held.issuedAt >= DAY_MS;
}

export function createServiceAccountTokens(client: Client, now: () => number = Date.now): ServiceAccountTokens {
  const held = new Map<string, Map<string, Held>>();
  return {
    async tokenFor(pod, projection, volume) {
      const uid = pod.metadata?.uid ?? '';
      const sa = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
      const seconds = projection.expirationSeconds ?? 3600;
      const key = `${sa}|${projection.audience ?? ''}|${seconds}`;
      const mine = held.get(uid) ?? new Map<string, Held>();
      const current = mine.get(key);
      const t = now();
      if (current && !needsRefresh(current, t)) return current.token;
      if (!client.createToken) throw new VolumeError('this client cannot request service account tokens', { volume });
      try {
        const answer = await client.createToken(pod.metadata?.namespace ?? 'default', sa, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          metadata: {},
          spec: {
            ...(projection.audience ? { audiences: [projection.audience] } : {}),
            expirationSeconds: seconds,
            boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name, uid },
          },
        });
        const status = answer.status as { token?: string; expirationTimestamp?: string } | undefined;
        if (!status?.token) throw new Error('the TokenRequest answer holds no token');
        const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : t + seconds * 1000;
        mine.set(key, { token: status.token, issuedAt: t, expiresAt });
        held.set(uid, mine);
        return status.token;
      } catch (err) {
        if (current && t < current.expiresAt) return current.token;
        throw new VolumeError(`failed to fetch token for service account "${sa}": ${(err as Error)?.message ?? String(err)}`, { volume });
      }
    },
    forget(podUid) {
      held.delete(podUid);
    },
  };
}
