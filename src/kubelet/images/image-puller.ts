// Makes sure a container's image is on the node before the container is created, as the kubelet's
// image manager does: the pull policy decides whether to pull, the pod's imagePullSecrets open
// private registries, a failed pull waits in back-off (10 s doubling to 5 min, per pod and image)
// and the container waits with the reasons `kubectl get pods` shows: ErrImagePull, ImagePullBackOff,
// ErrImageNeverPull, InvalidImageName. Two pods asking for one image at once share one pull.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { KObject } from '../../registry/types.js';
import type { ImageService, ImageStatus, RegistryAuth } from '../../runtime/types.js';
import { defaultPullPolicy } from '../../registry/kinds/pod-defaults.js';
import { goDuration } from '../backoff.js';
import { credentialsFor, dockerConfigEntries, type DockerConfigEntry } from './pull-secrets.js';

export interface ImagePullerOptions {
  images: ImageService;
  client: Client;
  recorder: EventRecorder;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export type PullOutcome = { ok: true } | { ok: false; waiting: { reason: string; message: string }; retryMs: number };

interface Backoff {
  delayMs: number;
  until: number;
  lastError: string;
}

const secretsType = { group: '', version: 'v1', resource: 'secrets' };
// A reference as the kubelet accepts it: [registry[:port]/]path[:tag][@digest], lower-case path.
const REFERENCE = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?$/;

export class ImagePuller {
  private readonly backoff = new Map<string, Backoff>();
  private readonly inFlight = new Map<string, Promise<ImageStatus>>();
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(private readonly o: ImagePullerOptions) {
    this.initialMs = o.backoffInitialMs ?? 10_000;
    this.maxMs = o.backoffMaxMs ?? 300_000;
  }

  /** `quiet`: a container restarted after an agent restart, whose events were already told. */
  async ensure(pod: Pod, c: Container, quiet = false): Promise<PullOutcome> {
    const image = c.image ?? '';
    const about = pod as KObject;
    const say = (type: 'normal' | 'warning', reason: string, message: string) => {
      if (!quiet) this.o.recorder[type](about, reason, message);
    };
    const fail = (reason: string, message: string, retryMs: number): PullOutcome => {
      say('warning', 'Failed', `Error: ${reason}`);
      return { ok: false, waiting: { reason, message }, retryMs };
    };
    if (!REFERENCE.test(image)) {
      const message = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
      say('warning', 'InspectFailed', message);
      return fail('InvalidImageName', message, this.maxMs);
    }
    // The API server sets the policy; a pod from elsewhere (a static manifest) may lack it.
    const policy = c.imagePullPolicy ?? defaultPullPolicy(image);
    const present = await this.o.images.imageStatus(image);
    if (present && policy !== 'Always') {
      say('normal', 'Pulled', `Container image "${image}" already present on machine`);
      return { ok: true };
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      say('warning', 'ErrImageNeverPull', message);
      return fail('ErrImageNeverPull', message, this.maxMs);
    }
    const key = `${pod.metadata?.uid}/${image}`;
    const now = Date.now();
    const b = this.backoff.get(key);
    if (b && now < b.until) {
      say('normal', 'BackOff', `Back-off pulling image "${image}"`);
      return fail('ImagePullBackOff', `Back-off pulling image "${image}": ErrImagePull: ${b.lastError}`, b.until - now);
    }
    say('normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = Date.now();
    try {
      const pulled = await this.pullShared(image, await this.credentials(pod, image));
      this.backoff.delete(key);
      const took = goDuration(Date.now() - t0);
      say('normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${pulled.sizeBytes} bytes.`);
      return { ok: true };
    } catch (err) {
      const message = (err as Error).message;
      // A pull that fails again soon after its last back-off doubles it; one long quiet starts over.
      const fresh = !b || now - b.until > 2 * this.maxMs;
      const delayMs = fresh ? this.initialMs : Math.min(this.maxMs, b.delayMs * 2);
      this.backoff.set(key, { delayMs, until: Date.now() + delayMs, lastError: message });
      say('warning', 'Failed', `Failed to pull image "${image}": ${message}`);
      // Looked at again halfway through the back-off, to say ImagePullBackOff until it is over, as
      // a user watching upstream's kubelet sees the two reasons take turns.
      return fail('ErrImagePull', message, Math.max(1, Math.floor(delayMs / 2)));
    }
  }

  /** Forgets the back-off of a pod that is gone. */
  forget(podUid: string): void {
    for (const k of this.backoff.keys()) if (k.startsWith(`${podUid}/`)) this.backoff.delete(k);
  }

  /** Each matching credential in turn, then none (a public image needs none), as upstream tries them. */
  private async pullShared(image: string, auths: RegistryAuth[]): Promise<ImageStatus> {
    const key = `${image}\0${JSON.stringify(auths)}`;
    let pull = this.inFlight.get(key);
    if (!pull) {
      pull = (async () => {
        let last: unknown;
        for (const auth of auths.length ? auths : [undefined]) {
          try {
            return await this.o.images.pullImage(image, auth);
          } catch (err) {
            last = err;
          }
        }
        throw last;
      })().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pull);
    }
    return pull;
  }

  private async credentials(pod: Pod, image: string): Promise<RegistryAuth[]> {
    const configs: Array<Record<string, DockerConfigEntry>> = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      // A missing or malformed secret is skipped, as upstream: the pull then says what failed.
      const secret = await this.o.client.get(secretsType, pod.metadata?.namespace, ref.name).catch(() => undefined);
      const entries = secret && dockerConfigEntries(secret as { type?: string; data?: Record<string, string> });
      if (entries) configs.push(entries);
    }
    return credentialsFor(image, configs);
  }
}
