// The control plane without its HTTPS front: datastore, admission, bootstrap objects and the
// server-side controllers, reachable through an in-process client. `k3ts server` puts the API
// server in front of it; tests use it directly.
import { setMaxListeners } from 'node:events';
import type { Backend } from '../storage/backend.js';
import { ObjectStore } from '../apiserver/store/object-store.js';
import type { ResourceContext } from '../apiserver/resources/context.js';
import { namespaceLifecycle } from '../apiserver/admission/namespace-lifecycle.js';
import { createServiceAllocator } from '../apiserver/admission/service-allocator.js';
import { datastoreClaims } from '../apiserver/admission/allocation-claims.js';
import { createLocalClient } from '../apiserver/local-client.js';
import { intToIp, parseCidr } from '../network/ipv4.js';
import { hasReason, type Client } from '../client/types.js';
import { registry } from '../registry/index.js';
import { runNamespaceController } from '../controllers/namespace.js';
import { runRootCaPublisher } from '../controllers/root-ca-publisher.js';
import { bootstrapCluster } from './bootstrap.js';
import { runScheduler } from '../scheduler/scheduler.js';
import { nodeRestriction } from '../apiserver/admission/node-restriction.js';
import { defaultTolerations } from '../apiserver/admission/default-tolerations.js';
import { runClusterControllers, type ClusterControllersOptions } from '../controllers/cluster.js';
import { runWorkloadControllers } from '../controllers/workloads/index.js';
import { runVolumeControllers } from '../controllers/volumes/index.js';
import type { Logger } from './log.js';
import { createRbac, type Rbac } from '../apiserver/rbac/rbac.js';
import { ensureDefaultPolicy } from './bootstrap-rbac.js';
import { startObjectCache } from '../controllers/runtime/object-cache.js';
import { runClusterRoleAggregation } from '../controllers/clusterrole-aggregation.js';
import { startLeaderElection, type LeaderElector } from '../controllers/runtime/leader-election.js';
import { startApiserverEndpoints, type ApiserverEndpoints } from '../controllers/apiserver-endpoints.js';
import { serviceAccountAdmission } from '../apiserver/admission/service-account.js';
import { createServiceAccountTokens, startServiceAccountTokens } from './service-account-tokens.js';
import type { ServiceAccountKeys } from '../pki/service-account-keys.js';
import { createWebhookAdmission } from '../apiserver/admission/webhooks/dispatcher.js';
import { createPolicyAdmission } from '../apiserver/admission/policy/admission.js';
import { certificateSigningAdmission } from '../apiserver/admission/certificates.js';
import { systemMastersAuthorizer } from '../apiserver/authz.js';
import { unionAuthorizer } from '../apiserver/node-authorizer.js';
import { runCertificateControllers, type CertificateControllersOptions } from '../controllers/certificates/start.js';
import { createDynamicRegistry } from '../registry/dynamic.js';
import { serveCustomResources, type CrdServing } from '../apiserver/crd/serve.js';
import { crdTerminatingAdmission } from '../apiserver/crd/admission.js';
import { followStoredKinds, liveNamespacedTypes } from '../apiserver/crd/served-kinds.js';
import { runAutoDeploy, type AutoDeployOptions } from './manifests/auto-deploy.js';
import { resourceQuotaAdmission } from '../apiserver/admission/resource-quota.js';
import { limitRanger } from '../apiserver/admission/limit-ranger.js';
import { defaultIngressClass } from '../apiserver/admission/default-ingress-class.js';
import { priorityAdmission } from '../apiserver/admission/priority.js';
import { runtimeClassAdmission } from '../apiserver/admission/runtime-class.js';
import { ensureSystemPriorityClasses } from './priority-classes.js';
import { runResourceQuotaController } from '../controllers/quota/resource-quota.js';

export interface ControlPlaneOptions {
  backend: Backend;
  serviceCidr: string;
  nodePortRange: { min: number; max: number };
  /** host and port recorded in the `kubernetes` Service's Endpoints. */
  advertiseAddress: string;
  port: number;
  /** The cluster's serving CA, published to every namespace as kube-root-ca.crt. */
  caPem: string;
  /** Pod network, one /24 per node. */
  clusterCidr?: string;
  nodeMonitorGracePeriodMs?: number;
  notReadyTolerationSeconds?: number;
  unreachableTolerationSeconds?: number;
  /** HPA sync period, downscale window and resource metrics source (none yet: HPAs report FailedGetResourceMetric). */
  horizontalPodAutoscaler?: ClusterControllersOptions['horizontalPodAutoscaler'];
  /** Signing keys of ServiceAccount tokens (<data-dir>/server/tls/service.key); without them a key
   *  is made in memory when the first token is asked for. */
  serviceAccountKeys?: ServiceAccountKeys | Promise<ServiceAccountKeys>;
  /** Only namespace deletion and the root CA publisher: for tests of one controller, scheduler or
   *  kubelet that must not meet a second copy of itself or the others writing the same objects. */
  coreControllersOnly?: boolean;
  /** Several servers share the datastore: controllers and the scheduler run on the holder of their
   *  Lease only, and the `kubernetes` Endpoints list every live server. */
  ha?: HaOptions;
  /** The CAs the CSR signer issues with (client and serving); without them no CSR is signed. */
  certificateAuthorities?: CertificateControllersOptions['cas'];
  /** Run the built-in local-path provisioner and its default StorageClass (default true). */
  localStorage?: boolean;
  /** Auto-deployed manifests (`<data-dir>/server/manifests`), applied by the controllers' leader. */
  manifests?: Pick<AutoDeployOptions, 'dir' | 'disabled' | 'rescanMs'>;
  log: Logger;
}

export interface HaOptions {
  /** This server's name in the leases (the host name, as upstream's identities). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** How long a dead server stays in the `kubernetes` Endpoints. */
  apiserverLeaseSeconds?: number;
  apiserverRenewMs?: number;
}

export interface ControlPlane {
  readonly context: ResourceContext;
  readonly client: Client;
  /** The RBAC authorizer and the policy it reads, kept current by watches. */
  readonly rbac: Rbac;
  /** Stops controllers and watches and waits for reconciles in flight; the backend stays open
   *  (its owner closes it). */
  stop(): Promise<void>;
  /** With `ha`: whether this server now runs the controllers (and, separately, the scheduler). */
  leading(): { controllers: boolean; scheduler: boolean };
}

/** The first address of the service range: the `kubernetes` Service's ClusterIP (10.43.0.1). */
export function apiServiceIP(serviceCidr: string): string {
  return intToIp(parseCidr(serviceCidr).base + 1);
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  // The built-in kinds plus those CustomResourceDefinitions add while the server runs.
  const served = createDynamicRegistry(registry.descriptors);
  let crds: CrdServing | undefined;
  const base = { store: new ObjectStore(o.backend), registry: served };
  const allocator = createServiceAllocator(base, { serviceCidr: o.serviceCidr, nodePortRange: o.nodePortRange, claims: o.ha ? datastoreClaims(o.backend) : undefined });
  const rbac = createRbac();
  const serviceAccountTokens = createServiceAccountTokens(o.serviceAccountKeys);
  const ctx: ResourceContext = { ...base, serviceAccountTokens, admission: [
      namespaceLifecycle(base),
      rbac.escalation,
      nodeRestriction(),
      defaultTolerations({ notReadySeconds: o.notReadyTolerationSeconds ?? 300, unreachableSeconds: o.unreachableTolerationSeconds ?? 300 }),
      allocator,
      serviceAccountAdmission(base),
      certificateSigningAdmission({ authorizer: unionAuthorizer(systemMastersAuthorizer, rbac.authorizer) }),
      crdTerminatingAdmission((name) => crds?.isTerminating(name) ?? false),
      runtimeClassAdmission(base),
      limitRanger(base),
      defaultIngressClass(base),
      priorityAdmission(base),
      resourceQuotaAdmission(base),
    ],
    webhooks: createWebhookAdmission({ ...base, onIgnoredFailure: (webhook, message) => o.log.warn('admission webhook failed open', { webhook, error: message }) }),
    policies: createPolicyAdmission({ ...base, onAudit: (r) => o.log.info('validating admission policy audit', r) }),
  };
  const controllers = new AbortController();
  // One signal stops every controller and each of its watches (about 60 listeners today); the
  // default limit of 10 would call that a leak. A real leak still gets noticed past this bound.
  setMaxListeners(200, controllers.signal);
  const running: Array<Promise<void>> = [];
  const electors: LeaderElector[] = [];
  let endpoints: ApiserverEndpoints | undefined;
  const stop = async () => {
    // Leases first, while the loops still run: another server takes over as soon as it can.
    await Promise.all(electors.map((e) => e.stop()));
    await endpoints?.stop();
    controllers.abort();
    allocator.stop();
    await Promise.all(running);
  };
  const leading = () => ({ controllers: electors[0]?.isLeader() ?? !o.ha, scheduler: electors[1]?.isLeader() ?? !o.ha });
  try {
    await allocator.start();
    await bootstrapCluster(ctx, { advertiseAddress: o.advertiseAddress, port: o.port, serviceIP: apiServiceIP(o.serviceCidr), serviceCidr: o.serviceCidr, sharedDatastore: !!o.ha });
    await ensureDefaultPolicy(ctx);
    await ensureSystemPriorityClasses(ctx);
    const client = createLocalClient(ctx);
    crds = await serveCustomResources({ ctx, registry: served, client, onError: (key, err) => o.log.warn('customresourcedefinitions', { key, error: (err as Error)?.message ?? String(err) }) }, controllers.signal);
    running.push(crds.stopped);
    const rbacType = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource });
    const rbacError = (err: unknown) => o.log.warn('rbac policy watch', { error: (err as Error)?.message ?? String(err) });
    const [roles, clusterRoles, roleBindings, clusterRoleBindings] = await Promise.all(
      ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map((r) => startObjectCache({ client, type: rbacType(r), onError: rbacError }, controllers.signal)),
    );
    rbac.attach({ roles, clusterRoles, roleBindings, clusterRoleBindings });
    // Every server verifies tokens (its caches); the legacy token Secrets are filled idempotently.
    const saTokens = await startServiceAccountTokens({ tokens: serviceAccountTokens, client, caPem: o.caPem, log: o.log, withController: !o.coreControllersOnly }, controllers.signal);
    running.push(saTokens.stopped);
    // Webhooks apply from here on: the bootstrap writes above never wait on one, so a broken
    // webhook cannot keep the server from starting.
    const webhookType = (resource: string) => ({ group: 'admissionregistration.k8s.io', version: 'v1', resource });
    const [validatingWebhooks, mutatingWebhooks] = await Promise.all(
      ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'].map((r) => startObjectCache({ client, type: webhookType(r), onError: (err) => o.log.warn('webhook configuration watch', { error: (err as Error)?.message ?? String(err) }) }, controllers.signal)),
    );
    ctx.webhooks!.attach({ validating: validatingWebhooks, mutating: mutatingWebhooks });
    const [admissionPolicies, admissionPolicyBindings] = await Promise.all(
      ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'].map((r) => startObjectCache({ client, type: webhookType(r), onError: (err) => o.log.warn('admission policy watch', { error: (err as Error)?.message ?? String(err) }) }, controllers.signal)),
    );
    ctx.policies!.attach({ policies: admissionPolicies, bindings: admissionPolicyBindings });
    const warn = (what: string) => (key: string, err: unknown) => {
      // A Conflict is retried at once with fresh state: normal under concurrency, not worth a line.
      if (!hasReason(err, 'Conflict')) o.log.warn(what, { key, error: (err as Error)?.message ?? String(err) });
    };
    const controllerLoops = async (signal: AbortSignal): Promise<Array<Promise<void>>> => {
      const aggregation = await runClusterRoleAggregation(
        { client, cache: clusterRoles, onError: (key, err) => o.log.warn('clusterrole aggregation', { key, error: (err as Error)?.message ?? String(err) }) },
        signal,
      );
      const namespaces = await runNamespaceController(
        {
          client,
          namespacedTypes: liveNamespacedTypes(served),
          onError: (key, err) => o.log.warn('namespace controller', { namespace: key, error: (err as Error)?.message ?? String(err) }),
        },
        signal,
      );
      const rootCa = await runRootCaPublisher(
        { client, caPem: o.caPem, onError: (key, err) => o.log.warn('root CA publisher', { namespace: key, error: (err as Error)?.message ?? String(err) }) },
        signal,
      );
      const stopped = [aggregation.stopped, namespaces.stopped, rootCa.stopped];
      // Only when asked for, so it runs in tests of core controllers too (manifests/leader.test.ts).
      if (o.manifests) {
        const manifests = await runAutoDeploy({ ...o.manifests, client, registry: served, log: o.log }, signal);
        stopped.push(manifests.stopped);
      }
      if (o.coreControllersOnly) return stopped;
      const cluster = await runClusterControllers(
        {
          client,
          clusterCidr: o.clusterCidr ?? '10.42.0.0/16',
          nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs,
          horizontalPodAutoscaler: o.horizontalPodAutoscaler,
          descriptors: registry.descriptors.filter((d) => !d.ephemeral && !d.conversion).map((d) => ({ group: d.group, version: d.version, resource: d.plural, kind: d.kind, namespaced: d.namespaced })),
          onError: (controller, key, err) => warn(controller)(key, err),
          followKinds: (h) => signal.addEventListener('abort', followStoredKinds(served, h), { once: true }),
        },
        signal,
      );
      const workloads = await runWorkloadControllers({ client, onError: (controller, key, err) => warn(controller)(key, err) }, signal);
      const volumes = await runVolumeControllers({ client, localStorage: o.localStorage, onError: (controller, key, err) => warn(controller)(key, err) }, signal);
      stopped.push(cluster.stopped, workloads.stopped, volumes.stopped);
      const quotaKinds = registry.descriptors.filter((d) => d.namespaced && !d.ephemeral && !d.conversion).map((d) => ({ group: d.group, version: d.version, resource: d.plural }));
      const quotas = await runResourceQuotaController({ client, kinds: quotaKinds, onError: (key, err) => warn('resourcequota')(key, err) }, signal);
      stopped.push(quotas.stopped);
      if (o.certificateAuthorities) {
        const certificates = await runCertificateControllers({ client, cas: o.certificateAuthorities, onError: (controller, key, err) => warn(controller)(key, err) }, signal);
        stopped.push(certificates.stopped);
      }
      return stopped;
    };
    const schedulerLoop = async (signal: AbortSignal): Promise<Array<Promise<void>>> => {
      if (o.coreControllersOnly) return [];
      const scheduler = await runScheduler({ client, onError: (err) => warn('scheduler')('', err) }, signal);
      return [scheduler.stopped];
    };
    if (!o.ha) {
      running.push(...(await controllerLoops(controllers.signal)), ...(await schedulerLoop(controllers.signal)));
      return { context: ctx, client, rbac, stop, leading };
    }
    const ha = o.ha;
    for (const [name, loops] of [['kube-controller-manager', controllerLoops], ['kube-scheduler', schedulerLoop]] as const) {
      electors.push(
        startLeaderElection({
          client,
          name,
          identity: ha.identity,
          leaseDurationMs: ha.leaseDurationMs,
          renewDeadlineMs: ha.renewDeadlineMs,
          retryPeriodMs: ha.retryPeriodMs,
          lead: async (signal) => {
            const both = AbortSignal.any([signal, controllers.signal]);
            // Every controller's watches and queues listen here, as on controllers.signal (about 130
            // for the controller manager, a fixed number per term): not a leak, so the same bound.
            setMaxListeners(200, both);
            await Promise.all(await loops(both));
          },
          onChange: ({ holder, self }) => o.log.info(self ? `leading ${name}` : `${name} is led elsewhere`, { holder }),
          onStopped: ({ reason }) => o.log.warn(`stopped leading ${name}: ${reason}`),
          onError: (err) => o.log.warn(`${name} leader election`, { error: (err as Error)?.message ?? String(err) }),
          onRecovered: ({ failures, downMs }) => o.log.info(`${name} leader election reaches its Lease again`, { failedAttempts: failures, downSeconds: Math.round(downMs / 100) / 10 }),
        }),
      );
    }
    endpoints = startApiserverEndpoints({
      client,
      address: o.advertiseAddress,
      port: o.port,
      leaseDurationSeconds: ha.apiserverLeaseSeconds,
      renewIntervalMs: ha.apiserverRenewMs,
      onError: (err) => o.log.warn('kubernetes endpoints', { error: (err as Error)?.message ?? String(err) }),
    });
    return { context: ctx, client, rbac, stop, leading };
  } catch (err) {
    await stop();
    throw err;
  }
}
