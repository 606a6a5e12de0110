// Container lifecycle hooks (postStart, preStop) as the kubelet runs them: exec in the container,
// an HTTP GET to the pod (any answer counts: upstream does not look at the status code), or a sleep.
// A hook never throws; it says whether it worked and, if not, the message upstream puts in the
// FailedPostStartHook / FailedPreStopHook event.
import http from 'node:http';
import https from 'node:https';
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { resolvePort } from './probes/probe.js';

export interface HookTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
}

export interface HookResult {
  ok: boolean;
  message: string;
}

const podRef = (pod: Pod) => `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;

/** `timeoutSeconds` 0 means no limit (postStart has none upstream); preStop gets the grace period. */
export async function runHook(handler: LifecycleHandler, t: HookTarget, runtime: Pick<ContainerRuntime, 'execSync'>, timeoutSeconds: number): Promise<HookResult> {
  const where = `for Container "${t.container.name}" in Pod "${podRef(t.pod)}"`;
  try {
    if (handler.exec) {
      const cmd = handler.exec.command ?? [];
      const res = await runtime.execSync(t.containerId, cmd, timeoutSeconds);
      if (res.exitCode === 0) return { ok: true, message: '' };
      const output = Buffer.concat([res.stdout, res.stderr]).toString('utf8');
      return { ok: false, message: `Exec lifecycle hook (${JSON.stringify(cmd)}) ${where} failed - error: command '${cmd.join(' ')}' exited with ${res.exitCode}: ${output}, message: ${JSON.stringify(output)}` };
    }
    if (handler.httpGet) {
      const g = handler.httpGet;
      const path = g.path ?? '';
      try {
        await httpGet({ scheme: g.scheme ?? 'HTTP', host: g.host || t.podIP, port: resolvePort(g.port, t.container), path, headers: g.httpHeaders ?? [], timeoutSeconds });
        return { ok: true, message: '' };
      } catch (err) {
        return { ok: false, message: `HTTP lifecycle hook (${path}) ${where} failed - error: ${(err as Error).message}, message: ""` };
      }
    }
    if (handler.sleep) {
      const seconds = Math.max(0, handler.sleep.seconds);
      await new Promise((r) => setTimeout(r, (timeoutSeconds > 0 ? Math.min(seconds, timeoutSeconds) : seconds) * 1000));
      return { ok: true, message: '' };
    }
    // tcpSocket is accepted by the API for old manifests but never run, as upstream.
    if (handler.tcpSocket) return { ok: true, message: '' };
    return { ok: false, message: `Cannot run handler: invalid handler: ${JSON.stringify(handler)}` };
  } catch (err) {
    return { ok: false, message: `lifecycle hook ${where} failed - error: ${(err as Error)?.message ?? String(err)}` };
  }
}

function httpGet(o: { scheme: string; host: string; port: number; path: string; headers: Array<{ name: string; value: string }>; timeoutSeconds: number }): Promise<void> {
  const lib = o.scheme.toUpperCase() === 'HTTPS' ? https : http;
  const headers = Object.fromEntries(o.headers.map((h) => [h.name, h.value]));
  return new Promise((resolve, reject) => {
    const req = lib.get(
      { host: o.host, port: o.port, path: o.path.startsWith('/') ? o.path : `/${o.path}`, headers, agent: false, rejectUnauthorized: false, ...(o.timeoutSeconds > 0 ? { timeout: o.timeoutSeconds * 1000 } : {}) },
      (res) => {
        res.resume();
        res.once('end', () => resolve());
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`Get "${o.scheme.toLowerCase()}://${o.host}:${o.port}${o.path}": context deadline exceeded`)));
    req.once('error', reject);
  });
}
