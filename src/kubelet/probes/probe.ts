// One probe attempt, whatever its handler, and the event an attempt is reported with. Handlers
// live beside this file; this one picks the handler, resolves ports and hosts, and applies the
// defaults the API server may not have filled in (objects made before defaulting, tests).
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../../runtime/types.js';
import { execProbe } from './exec-probe.js';
import { grpcProbe } from './grpc-probe.js';
import { httpProbe } from './http-probe.js';
import { tcpProbe } from './tcp-probe.js';
import type { ProbeAttempt, ProbeKind, ProbeTarget } from './types.js';

export interface ProbeDeps {
  /** Exec probes run through it; nothing else of the runtime is needed. */
  runtime: Pick<ContainerRuntime, 'execSync'>;
  /** How long past an exec probe's timeout to wait for the runtime to report it. Default 1000. */
  execGraceMs?: number;
}

/**
 * A probe's port: a number, or the name of one of the container's ports. A name not declared is
 * tried as a number last, so the error is the one upstream shows (`strconv.Atoi: parsing "http"`).
 */
export function resolvePort(port: number | string | undefined, spec: Container): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = (spec.ports ?? []).find((p) => p.name !== undefined && p.name === port);
    if (named) n = named.containerPort;
    else if (port !== undefined && /^[+-]?\d+$/.test(port)) n = Number(port);
    else throw new Error(`strconv.Atoi: parsing ${JSON.stringify(port ?? '')}: invalid syntax`);
  }
  if (!Number.isInteger(n) || n <= 0 || n >= 65536) throw new Error(`invalid port number: ${n}`);
  return n;
}

const hostOf = (host: string | undefined, target: ProbeTarget) => (host ? host : target.podIP);

export async function runProbe(probe: Probe, target: ProbeTarget, deps: ProbeDeps): Promise<ProbeAttempt> {
  const timeoutSeconds = Math.max(1, probe.timeoutSeconds ?? 1);
  try {
    if (probe.exec) {
      return await execProbe(probe.exec, { runtime: deps.runtime, containerId: target.containerId, timeoutSeconds, graceMs: deps.execGraceMs ?? 1000 });
    }
    if (probe.httpGet) {
      const g = probe.httpGet;
      return await httpProbe({
        scheme: g.scheme ?? 'HTTP',
        host: hostOf(g.host, target),
        port: resolvePort(g.port, target.spec),
        path: g.path ?? '/',
        headers: g.httpHeaders ?? [],
        timeoutSeconds,
      });
    }
    if (probe.tcpSocket) return await tcpProbe(hostOf(probe.tcpSocket.host, target), resolvePort(probe.tcpSocket.port, target.spec), timeoutSeconds);
    if (probe.grpc) return await grpcProbe(target.podIP, resolvePort(probe.grpc.port, target.spec), probe.grpc.service ?? '', timeoutSeconds);
    return { result: 'unknown', output: `missing probe handler for container ${target.spec.name}` };
  } catch (err) {
    // Anything thrown is the prober's trouble (a bad port, an unparsable URL), not the container's.
    return { result: 'unknown', output: (err as Error)?.message ?? String(err) };
  }
}

export interface ProbeEventText {
  type: 'Warning';
  reason: 'Unhealthy' | 'ProbeWarning';
  message: string;
}

const title = (kind: ProbeKind) => kind[0]!.toUpperCase() + kind.slice(1);

/** The event the upstream kubelet records for an attempt: every failure, warning and error; none for a plain success. */
export function probeEvent(kind: ProbeKind, attempt: ProbeAttempt): ProbeEventText | undefined {
  if (attempt.result === 'failure') return { type: 'Warning', reason: 'Unhealthy', message: `${title(kind)} probe failed: ${attempt.output}` };
  if (attempt.result === 'unknown') {
    return { type: 'Warning', reason: 'Unhealthy', message: `${title(kind)} probe errored and resulted in unknown state: ${attempt.output}` };
  }
  if (attempt.warning) return { type: 'Warning', reason: 'ProbeWarning', message: `${title(kind)} probe warning: ${attempt.output}` };
  return undefined;
}
