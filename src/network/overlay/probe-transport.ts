// The peer check's sockets behind a small interface: UDP sockets live in the network namespace of
// the process that opens them, so the agent (already inside its node's namespace) uses them
// directly, and tests running several nodes in one process put each node's in a helper process.

export interface ProbeTarget {
  address: string;
  port: number;
  /** Datagram payload bytes. */
  size: number;
}

export interface ProbeTransport {
  /** Keeps an echo responder on exactly these addresses; ones not bindable yet are retried next call. */
  listen(addresses: string[], port: number): Promise<void>;
  /** One datagram to each target; true for each answered within `timeoutMs`. */
  probe(targets: ProbeTarget[], timeoutMs: number): Promise<boolean[]>;
  close(): Promise<void>;
}

/** Every probe starts with this, so a responder answers nothing else (it is no open UDP reflector). */
export const PROBE_MAGIC = Buffer.from('k3ts-peer-check:');
