// Network failures worded as the Go net package words them, because the upstream kubelet puts
// those words into its Unhealthy events and people search for them ("connect: connection refused",
// "i/o timeout"). Node reports the same failures as errno codes.

/** host:port, with brackets around an IPv6 address. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const connectErrors: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
  EACCES: 'connect: permission denied',
  EPERM: 'connect: operation not permitted',
};

/** The text of a failed dial, e.g. `dial tcp 10.42.0.5:8080: connect: connection refused`. */
export function dialErrorText(err: NodeJS.ErrnoException, host: string, port: number): string {
  const code = err.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return `dial tcp: lookup ${host}: no such host`;
  const addr = joinHostPort(host, port);
  if (code === 'ETIMEDOUT') return `dial tcp ${addr}: i/o timeout`;
  const known = connectErrors[code];
  return `dial tcp ${addr}: ${known ?? err.message}`;
}

/** A failure after the connection was made, as Go's HTTP client reports it. */
export function exchangeErrorText(err: NodeJS.ErrnoException, local: string | undefined, remote: string): string {
  // Node says "socket hang up" when the peer closed before answering; Go reads that as EOF.
  if (err.message === 'socket hang up') return 'EOF';
  if (err.code === 'ECONNRESET') return `read tcp ${local ?? '?'}->${remote}: read: connection reset by peer`;
  if (err.code === 'EPIPE') return `write tcp ${local ?? '?'}->${remote}: write: broken pipe`;
  return err.message;
}
