// What opening a SQL datastore shares between databases: where to connect (parsed from the endpoint by
// each dialect file), a label that never shows the password, and a deadline so a server that cannot
// reach its database says so within seconds instead of hanging.

export interface SqlEndpoint {
  host?: string;
  port?: number;
  /** Unix socket path (MySQL's unix(...) form); replaces host and port. */
  socketPath?: string;
  user?: string;
  password?: string;
  database: string;
  /** Driver TLS setting derived from the endpoint's parameters; undefined means plain TCP. */
  tls?: { rejectUnauthorized: boolean };
}

/** K3s's default database name when the endpoint names none. */
export const DEFAULT_DATABASE = 'kubernetes';

/** How the endpoint is shown in every message: password masked, database named. */
export function endpointLabel(scheme: string, e: SqlEndpoint): string {
  const who = e.user ? `${e.user}${e.password ? ':***' : ''}@` : '';
  const where = e.socketPath ? `unix(${e.socketPath})` : `${e.host}:${e.port}`;
  return `${scheme}://${who}${where}/${e.database}`;
}

/** Rejects with `message` if `work` takes longer than `ms`; `onTimeout` releases whatever it holds. */
export async function withDeadline<T>(work: Promise<T>, ms: number, message: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connecting and creating the schema must finish within this (the brief's bound is 10 s). */
export const OPEN_DEADLINE_MS = 9_000;
/** Each connection attempt gives up after this, so a black-holed address fails fast. */
export const CONNECT_TIMEOUT_MS = 5_000;
