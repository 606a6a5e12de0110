// What a kubelet (user system:node:<name>, group system:nodes) may do: read what running pods needs,
// and write only its own Node, its own Lease, the pods bound to it, and events. Anything else is
// refused, so a stolen node certificate cannot take over other nodes or read every Secret.
// Decisions about one object (is this pod bound to me? does a pod of mine use this Secret?) read
// the cluster, hence the in-process client.
import type { Client } from '../client/types.js';
import { hasReason } from '../client/types.js';
import { podReferences, type NodePodGraph, type PodReferenceKind } from './node-pod-graph.js';
import { nodeUserPrefix, nodesGroup } from '../join/protocol.js';
import type { UserInfo } from './authn.js';
import type { Authorizer, Decision, SubjectRules } from './authz.js';
import type { ResourceRequest } from './request-info.js';

const pods = { group: '', version: 'v1', resource: 'pods' };
const readVerbs = new Set(['get', 'list', 'watch']);
const writeVerbs = new Set(['update', 'patch', 'delete']);
/** Read by any kubelet: what it schedules against, what its pods and service proxy need. */
// What a node's own parts follow: its kubelet, service proxy, DNS, overlay and network policy.
const readable = new Set(['/nodes', '/pods', '/services', '/endpoints', '/namespaces', 'discovery.k8s.io/endpointslices', 'networking.k8s.io/networkpolicies']);
// Claims name the volume a pod mounts; volumes say where it is and when a local one may be removed.
readable.add('/persistentvolumeclaims').add('/persistentvolumes');

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** The node a user acts for, or undefined when the user is not a node. */
export function nodeNameOf(user: Pick<UserInfo, 'name' | 'groups'>): string | undefined {
  if (!user.name.startsWith(nodeUserPrefix) || !user.groups.includes(nodesGroup)) return undefined;
  const name = user.name.slice(nodeUserPrefix.length);
  return name === '' ? undefined : name;
}

/** `graph`, once ready, answers which pods of a node use what; before that (a server just started)
 *  the datastore is asked. */
export function createNodeAuthorizer(client: Client, graph?: NodePodGraph): Authorizer {
  const usedByMyPods = async (node: string, namespace: string, kind: PodReferenceKind, name: string): Promise<boolean> => {
    if (graph?.ready) return graph.uses(node, namespace, kind, name);
    const mine = await client.list(pods, { namespace, fieldSelector: `spec.nodeName=${node}` });
    return mine.items.some((pod) => podReferences(pod)[kind].has(name));
  };

  const podOnNode = async (node: string, info: ResourceRequest): Promise<Decision> => {
    if (!info.namespace || !info.name) return deny(`node '${node}' may only act on pods bound to it, by name`);
    try {
      const pod = await client.get(pods, info.namespace, info.name);
      if ((pod.spec as { nodeName?: string } | undefined)?.nodeName === node) return allow;
    } catch (err) {
      // Let the request go on to its own NotFound rather than hide it behind a 403.
      if (hasReason(err, 'NotFound')) return allow;
      throw err;
    }
    return deny(`no relationship found between node '${node}' and this object`);
  };

  const referencedByMyPods = async (node: string, info: ResourceRequest): Promise<Decision> => {
    if (info.verb !== 'get' || !info.namespace || !info.name) return deny(`node '${node}' may only get ${info.resource} that its pods use, by name`);
    if (info.resource === 'configmaps' && info.name === 'kube-root-ca.crt') return allow;
    if (await usedByMyPods(node, info.namespace, info.resource as PodReferenceKind, info.name)) return allow;
    return deny(`no relationship found between node '${node}' and this object`);
  };

  // Tokens for projected volumes; the TokenRequest itself must then be bound to one of this node's pods.
  const serviceAccountOfMyPods = async (node: string, info: ResourceRequest): Promise<Decision> => {
    if (info.verb !== 'create' || info.subresource !== 'token' || !info.namespace || !info.name) return deny(`node '${node}' may only create tokens of service accounts its pods use`);
    if (await usedByMyPods(node, info.namespace, 'serviceaccounts', info.name)) return allow;
    return deny(`no relationship found between node '${node}' and this object`);
  };

  return {
    rulesFor(user) {
      // A node's rights depend on its pods: they cannot be listed as rules.
      if (nodeNameOf(user) === undefined) return { rules: [], incomplete: false };
      return { rules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
    },
    async authorize(user, req) {
      const node = nodeNameOf(user);
      // Not a node's request: no opinion, and no reason that would replace another authorizer's.
      if (node === undefined || req.kind !== 'resource') return { allowed: false };
      const resource = `${req.group}/${req.resource}`;
      const verb = req.verb;
      switch (resource) {
        case '/nodes':
          if (readVerbs.has(verb) && !req.subresource) return allow;
          // The name of a new Node is in its body: the node restriction admission checks it.
          if (verb === 'create' && !req.subresource) return allow;
          if ((writeVerbs.has(verb) || (verb === 'get' && req.subresource === 'status')) && (!req.subresource || req.subresource === 'status')) {
            return req.name === node ? allow : deny(`node '${node}' cannot modify node '${req.name ?? ''}'`);
          }
          return deny(`node '${node}' cannot ${verb} nodes${req.subresource ? `/${req.subresource}` : ''}`);
        case 'coordination.k8s.io/leases':
          if (req.namespace !== 'kube-node-lease') return deny(`node '${node}' may only use leases in kube-node-lease`);
          if (verb === 'list' || verb === 'watch' || verb === 'create') return allow;
          return req.name === node ? allow : deny(`node '${node}' cannot modify the lease of node '${req.name ?? ''}'`);
        case '/pods':
          if (readVerbs.has(verb) && (!req.subresource || req.subresource === 'status' || req.subresource === 'log')) return allow;
          if (req.subresource === 'status' && (verb === 'update' || verb === 'patch')) return podOnNode(node, req);
          if (!req.subresource && verb === 'delete') return podOnNode(node, req);
          if (req.subresource === 'eviction' && verb === 'create') return podOnNode(node, req);
          return deny(`node '${node}' cannot ${verb} pods${req.subresource ? `/${req.subresource}` : ''}`);
        case '/events':
        case 'events.k8s.io/events':
          return verb === 'create' || verb === 'update' || verb === 'patch' || readVerbs.has(verb) ? allow : deny(`node '${node}' cannot ${verb} events`);
        case '/configmaps':
        case '/secrets':
          return referencedByMyPods(node, req);
        case '/serviceaccounts':
          return serviceAccountOfMyPods(node, req);
        default:
          if (readable.has(resource) && readVerbs.has(verb) && !req.subresource) return allow;
          return deny(`node '${node}' cannot ${verb} ${req.resource}${req.group ? `.${req.group}` : ''}`);
      }
    },
  };
}

/** The first authorizer that allows wins; the reason of a refusal comes from the last one that gave one. */
export function unionAuthorizer(...authorizers: Authorizer[]): Authorizer {
  return {
    async authorize(user, info) {
      let reason: string | undefined;
      for (const a of authorizers) {
        const d = await a.authorize(user, info);
        if (d.allowed) return d;
        if (d.reason) reason = d.reason;
      }
      return { allowed: false, ...(reason ? { reason } : {}) };
    },
    // The rules of those that can list them; any other member (the node authorizer decides by
    // looking at objects) makes the answer incomplete, as upstream's rules review says.
    async rulesFor(user, namespace) {
      const rules: SubjectRules['rules'] = [];
      let incomplete = false;
      const errors: string[] = [];
      for (const a of authorizers) {
        if (!a.rulesFor) {
          incomplete = true;
          continue;
        }
        const r = await a.rulesFor(user, namespace);
        rules.push(...r.rules);
        incomplete ||= r.incomplete;
        if (r.evaluationError) errors.push(r.evaluationError);
      }
      return { rules, incomplete, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) };
    },
  };
}
