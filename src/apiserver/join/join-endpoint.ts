// The join: an agent presents a token (the server token or a join token) and its node password and
// gets a node client certificate; from then on it speaks to the API with that certificate only.
// The node password makes a name belong to one machine: a second machine asking for a taken name
// is refused before any certificate is issued.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Client } from '../../client/types.js';
import { hasReason } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { issueClientCertificate, parseToken, type CertificateIssuer } from '../../pki/index.js';
import { BOOTSTRAP_TOKEN_NAMESPACE, bootstrapSecretName, checkBootstrapToken } from '../../join/bootstrap-tokens.js';
import {
  NODE_PASSWORD_NAMESPACE,
  NODE_PASSWORD_SECRET_TYPE,
  hashNodePassword,
  nodePasswordSecretName,
  verifyNodePassword,
} from '../../join/node-password.js';
import { nodeUserPrefix, nodesGroup, type JoinRequest, type JoinResponse } from '../../join/protocol.js';
import { ApiError, errors } from '../errors.js';
import { readBody } from '../http/body.js';
import { sendJson, sendText } from '../http/respond.js';

const secrets = { group: '', version: 'v1', resource: 'secrets' };
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface JoinEndpointOptions {
  client: Client;
  /** server-ca.crt, byte for byte what K10 tokens hash. */
  caPem: string;
  clientCa: CertificateIssuer;
  /** Passwords of the server token(s). */
  serverPasswords: string[];
  now?: () => Date;
  onJoin?(nodeName: string, how: string): void;
}

export interface JoinEndpoint {
  cacerts(req: IncomingMessage, res: ServerResponse): Promise<void>;
  join(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const unauthorized = (message: string) => new ApiError(401, 'Unauthorized', message);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The node password Secret, created on first join; an existing one must match. */
export async function claimNodeName(client: Client, nodeName: string, password: string): Promise<'new' | 'known'> {
  const name = nodePasswordSecretName(nodeName);
  const refuse = () =>
    errors.forbidden(
      `node "${nodeName}" is already registered by another machine (its node password differs). ` +
        `Pick another name with --node-name or --with-node-id; or, if this machine was reinstalled, run "kubectl delete node ${nodeName}" on a server (that also removes its password secret) and join again`,
      { group: '', resource: 'nodes' },
      nodeName,
    );
  for (let attempt = 0; attempt < 3; attempt++) {
    let existing: KObject | undefined;
    try {
      existing = await client.get(secrets, NODE_PASSWORD_NAMESPACE, name);
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
    }
    if (existing) {
      const hash = Buffer.from(((existing as { data?: Record<string, string> }).data?.hash ?? ''), 'base64').toString('utf8');
      if (!(await verifyNodePassword(password, hash))) throw refuse();
      return 'known';
    }
    try {
      await client.create(secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: NODE_PASSWORD_NAMESPACE, labels: { 'k3ts.io/node-name': nodeName } },
        type: NODE_PASSWORD_SECRET_TYPE,
        data: { hash: Buffer.from(await hashNodePassword(password)).toString('base64') },
      } as KObject);
      return 'new';
    } catch (err) {
      if (!hasReason(err, 'AlreadyExists')) throw err; // a concurrent join of the same name: check it
    }
  }
  throw refuse();
}

export function createJoinEndpoint(o: JoinEndpointOptions): JoinEndpoint {
  const now = o.now ?? (() => new Date());

  /** Returns how the caller authenticated, or throws 401 with what to do. */
  const checkToken = async (header: string | undefined): Promise<string> => {
    const credential = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!credential) throw unauthorized('a join token is required: pass --token (the server\'s <data-dir>/server/token, or one from "k3ts token create")');
    let parsed;
    try {
      parsed = parseToken(credential);
    } catch (err) {
      throw unauthorized((err as Error).message);
    }
    if (parsed.bootstrap) {
      const { id, secret } = parsed.bootstrap;
      let stored: KObject;
      try {
        stored = await o.client.get(secrets, BOOTSTRAP_TOKEN_NAMESPACE, bootstrapSecretName(id));
      } catch (err) {
        if (hasReason(err, 'NotFound')) throw unauthorized(`join token "${id}" does not exist (it was deleted, or never made on this cluster); create one with "k3ts token create" on a server`);
        throw err;
      }
      const check = checkBootstrapToken(stored, secret, now());
      if (check === 'expired') throw unauthorized(`join token "${id}" has expired; create a new one with "k3ts token create" on a server`);
      if (check !== 'ok') throw unauthorized(`join token "${id}" is not valid; check that it was copied whole, or create a new one with "k3ts token create"`);
      return `join token ${id}`;
    }
    if (o.serverPasswords.some((p) => sameSecret(p, parsed.password))) return 'server token';
    throw unauthorized('the token is not valid for this cluster; use the server\'s <data-dir>/server/token, or a join token from "k3ts token create"');
  };

  return {
    async cacerts(req, res) {
      if (req.method !== 'GET') throw errors.methodNotAllowed();
      sendText(req, res, 200, o.caPem, 'application/x-pem-file');
    },

    async join(req, res) {
      if (req.method !== 'POST') throw errors.methodNotAllowed();
      const how = await checkToken(req.headers.authorization);
      let body: Partial<JoinRequest>;
      try {
        body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')) as Partial<JoinRequest>;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw errors.badRequest('the join request must be JSON: {"nodeName": ..., "nodePassword": ...}');
      }
      const nodeName = body?.nodeName;
      if (typeof nodeName !== 'string' || nodeName.length > 253 || !dns1123Subdomain.test(nodeName)) {
        throw errors.badRequest(
          `invalid node name ${JSON.stringify(nodeName ?? '')}: a node name must be lower case letters, digits, '-' and '.', starting and ending with a letter or digit (pass --node-name)`,
        );
      }
      if (typeof body.nodePassword !== 'string' || body.nodePassword.length < 16) throw errors.badRequest('the join request lacks a node password');
      const claim = await claimNodeName(o.client, nodeName, body.nodePassword);
      const cert = await issueClientCertificate({ issuer: o.clientCa, commonName: `${nodeUserPrefix}${nodeName}`, organizations: [nodesGroup] });
      o.onJoin?.(nodeName, `${how}, ${claim === 'new' ? 'first join' : 'known node'}`);
      const answer: JoinResponse = { certificate: cert.certPem, key: cert.keyPem, serverCa: o.caPem };
      sendJson(req, res, 200, answer);
    },
  };
}
