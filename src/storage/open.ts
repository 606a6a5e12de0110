// Chooses a datastore from an endpoint string through an explicit table of URL schemes: adding etcd or
// PostgreSQL means adding one entry here, and nothing registers itself by being imported.

import type { Backend } from './backend.js';
import { parseEtcdEndpoints } from './etcd/endpoints.js';
import type { DatastoreTlsFiles } from './etcd/tls-files.js';
import type { AutoCompactionOptions } from './sqlite/compaction.js';
import { parseMysqlEndpoint, parsePostgresEndpoint } from './sql/parse-endpoint.js';

// Each backend's code (and its driver: better-sqlite3, gRPC, pg, mysql2) is loaded only when that
// backend is opened: every k3ts command reads this table, and an agent opens none of them.

export interface OpenBackendOptions {
  /** Periodic compaction (every backend that keeps history honours it). Defaults: every 5 minutes,
   *  keeping the last 1000 revisions; intervalMs 0 turns it off. */
  autoCompaction?: Partial<AutoCompactionOptions>;
  /** Client TLS files for a datastore reached over the network (K3s's --datastore-cafile,
   *  --datastore-certfile, --datastore-keyfile); used by https:// etcd endpoints. */
  tls?: DatastoreTlsFiles;
  /** etcd: a prefix for every key, so several clusters can share one etcd. Default none, like K3s. */
  keyPrefix?: string;
  /** etcd: how long opening waits for a member to answer before failing. Default 10 s. */
  connectTimeoutMs?: number;
}

interface BackendKind {
  /** How the endpoint looks, for error messages. */
  usage: string;
  /** Throws a one-line error if the endpoint is malformed, without connecting (config is checked
   *  before anything starts). Gets the whole endpoint and what follows `://`. */
  check?(endpoint: string, location: string): void;
  open(endpoint: string, location: string, opts: OpenBackendOptions): Promise<Backend>;
}

// K3s's form for an external etcd: the client URLs themselves, comma-separated. Both schemes name the
// same backend; each member's own scheme decides TLS.
const ETCD: BackendKind = {
  usage: 'http(s)://host:port[,http(s)://host:port...] (etcd v3; TLS files from the datastore TLS options)',
  check: (endpoint) => void parseEtcdEndpoints(endpoint),
  open: (endpoint, _location, opts) =>
    import('./etcd/etcd-backend.js').then(({ EtcdBackend }) =>
      EtcdBackend.open({
      endpoints: endpoint,
      tls: opts.tls,
      keyPrefix: opts.keyPrefix,
      connectTimeoutMs: opts.connectTimeoutMs,
        autoCompaction: opts.autoCompaction,
      }),
    ),
};

const BACKENDS: Readonly<Record<string, BackendKind>> = {
  sqlite: {
    usage: 'sqlite://<path> (or a bare file path)',
    open: async (_endpoint, location, opts) => {
      // K3s-style endpoints may carry driver parameters after '?'; the file path is what matters.
      const path = location.split('?')[0]!;
      if (path === '') throw new Error('sqlite endpoint needs a file path: sqlite://<path>');
      const { SqliteBackend } = await import('./sqlite/sqlite-backend.js');
      return SqliteBackend.open({ path, autoCompaction: opts.autoCompaction });
    },
  },
  http: ETCD,
  https: ETCD,
  // K3s's forms. The password is parsed out here and only ever shown masked.
  postgres: {
    usage: 'postgres://user:password@host:5432/database',
    check: (_endpoint, location) => void parsePostgresEndpoint(location),
    open: async (_endpoint, location, opts) => (await import('./sql/postgres.js')).openPostgres(location, opts),
  },
  postgresql: {
    usage: 'postgresql://user:password@host:5432/database',
    check: (_endpoint, location) => void parsePostgresEndpoint(location),
    open: async (_endpoint, location, opts) => (await import('./sql/postgres.js')).openPostgres(location, opts),
  },
  mysql: {
    usage: 'mysql://user:password@tcp(host:3306)/database',
    check: (_endpoint, location) => void parseMysqlEndpoint(location),
    open: async (_endpoint, location, opts) => (await import('./sql/mysql.js')).openMysql(location, opts),
  },
};

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s;

/** The schemes openBackend understands, in the form users write them. */
export function supportedEndpoints(): string[] {
  return Object.entries(BACKENDS).map(([scheme, kind]) => `${scheme}: ${kind.usage}`);
}

/** Splits an endpoint into its scheme (lower-cased; a bare path is SQLite) and what follows `://`. */
function parseEndpoint(endpoint: string): { scheme: string; location: string } {
  const match = SCHEME.exec(endpoint);
  return match ? { scheme: match[1]!.toLowerCase(), location: match[2]! } : { scheme: 'sqlite', location: endpoint };
}

function backendFor(scheme: string): BackendKind {
  if (!Object.hasOwn(BACKENDS, scheme)) {
    throw new Error(`unsupported datastore endpoint scheme "${scheme}://"; supported: ${supportedEndpoints().join('; ')}`);
  }
  return BACKENDS[scheme]!;
}

/** Throws the same error openBackend would for an endpoint whose scheme is not supported, without
 *  opening anything: configuration is checked before a server writes a single file. */
export function checkEndpoint(endpoint: string): void {
  const { scheme, location } = parseEndpoint(endpoint);
  backendFor(scheme).check?.(endpoint, location);
}

/** Opens the datastore named by `endpoint`: 'sqlite:///var/lib/k3ts/state.db', or a bare file path
 *  (SQLite); 'https://10.0.0.1:2379,https://10.0.0.2:2379' (etcd); 'postgres://…' or 'mysql://…'.
 *  An unknown scheme throws an error that lists the supported ones; a datastore that cannot be
 *  opened throws one line (password masked) within about 10 s. */
export async function openBackend(endpoint: string, opts: OpenBackendOptions = {}): Promise<Backend> {
  const { scheme, location } = parseEndpoint(endpoint);
  const kind = backendFor(scheme);
  if (location === '') throw new Error(`datastore endpoint "${endpoint}" has no location; use ${kind.usage}`);
  return kind.open(endpoint, location, opts);
}

/** The endpoint with any password replaced by ***, for logs, errors and the process title. Works on
 *  every scheme's form: the user info ends at the last '@' before the database path (Go's MySQL DSN
 *  allows '@' in the password). */
export function redactEndpoint(endpoint: string): string {
  const match = SCHEME.exec(endpoint);
  if (!match) return endpoint;
  const location = match[2]!;
  const slash = location.lastIndexOf('/');
  const at = location.lastIndexOf('@', slash < 0 ? location.length : slash);
  const colon = location.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return endpoint;
  return `${match[1]}://${location.slice(0, colon)}:***${location.slice(at)}`;
}
