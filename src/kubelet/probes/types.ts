// What every probe handler returns, and what it needs to know about its target.
import type { Container } from 'kubernetes-types/core/v1.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/**
 * One attempt's outcome. `unknown` is a probe that could not be run at all (a port name the
 * container does not declare, a runtime error): upstream records an "errored" event and throws
 * the result away, so it counts neither as a success nor as a failure.
 */
export interface ProbeAttempt {
  result: 'success' | 'failure' | 'unknown';
  /** What the probe saw: exec output, the HTTP body, or why it failed, in the upstream kubelet's words. */
  output: string;
  /** A success worth a ProbeWarning event: an HTTP redirect to another host that was not followed. */
  warning?: boolean;
}

export interface ProbeTarget {
  /** The runtime's container id, for exec probes. */
  containerId: string;
  /** Where network probes go unless the probe names a host (the node IP with host networking). */
  podIP: string;
  /** The container's spec: named ports resolve through its `ports`. */
  spec: Container;
}

/** The upstream kubelet answers bodies and exec output only up to this size. */
export const MAX_OUTPUT_BYTES = 10 * 1024;

/** As the upstream kubelet of the version we report (1.32) sends it. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
