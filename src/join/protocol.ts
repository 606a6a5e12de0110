// What the agent and the server say to each other outside the Kubernetes API: the CA (fetched
// before anything is trusted), the join (token + node password → node client certificate) and the
// tunnel. K3s serves the same kinds of endpoints on its supervisor port; we serve them on 6443.
export const CACERTS_PATH = '/cacerts';
export const JOIN_PATH = '/v1-k3ts/join';
export const TUNNEL_PATH = '/v1-k3ts/connect';

export interface JoinRequest {
  nodeName: string;
  nodePassword: string;
}

export interface JoinResponse {
  /** PEM: CN=system:node:<name>, O=system:nodes, signed by the client CA. */
  certificate: string;
  key: string;
  /** PEM of the server CA, the same bytes /cacerts serves. */
  serverCa: string;
}

export const nodeUserPrefix = 'system:node:';
export const nodesGroup = 'system:nodes';

/** A server joining managed etcd (`k3ts server --server`): the server token only, never a join token. */
export const SERVER_JOIN_PATH = '/v1-k3ts/server-join';

export interface ServerJoinRequest {
  /** The joiner's etcd member name. */
  name: string;
  /** https://<its advertise address>:<peer port> */
  peerURL: string;
}

export interface ServerJoinResponse {
  /** Every member after the joiner was added as a learner (the joiner's name is still empty). */
  members: Array<{ id: string; name: string; peerURLs: string[]; clientURLs: string[] }>;
  /** The learner's own member ID, to promote once it has caught up. */
  memberId: string;
  /** The cluster's shared files (CAs, keys), by path relative to `<data-dir>/server/`. */
  files: Record<string, string>;
}
