// Endpoint parsing for the SQL datastores, apart from their drivers: configuration is checked when the
// server starts, before (and without) loading pg or mysql2.
import { DEFAULT_DATABASE, type SqlEndpoint } from './endpoint.js';

/** Parses postgres://[user[:password]@]host[:port][/database][?sslmode=…] (postgresql:// too). */
export function parsePostgresEndpoint(location: string): SqlEndpoint {
  let url: URL;
  try {
    url = new URL(`postgres://${location}`);
  } catch {
    throw new Error('malformed postgres endpoint; use postgres://user:password@host:5432/database');
  }
  if (!url.hostname) throw new Error('postgres endpoint has no host; use postgres://user:password@host:5432/database');
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  if (!['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslmode)) {
    throw new Error(`postgres endpoint: unknown sslmode "${sslmode}"`);
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 5432,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || DEFAULT_DATABASE,
    tls: sslmode === 'require' ? { rejectUnauthorized: false } : sslmode.startsWith('verify') ? { rejectUnauthorized: true } : undefined,
  };
}

/** Parses Go's DSN after mysql://: [user[:password]@][tcp(host:port)|unix(path)|host:port]/[database][?params].
 *  Like the Go driver, the password is taken literally (no percent-decoding) and may contain '@'. */
export function parseMysqlEndpoint(location: string): SqlEndpoint {
  const usage = 'use mysql://user:password@tcp(host:3306)/database';
  const slash = location.lastIndexOf('/');
  if (slash < 0) throw new Error(`malformed mysql endpoint (no /database); ${usage}`);
  const [dbPart, query = ''] = location.slice(slash + 1).split('?', 2) as [string, string?];
  const head = location.slice(0, slash);
  const at = head.lastIndexOf('@');
  const userinfo = at >= 0 ? head.slice(0, at) : '';
  const address = at >= 0 ? head.slice(at + 1) : head;
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  const password = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
  const params = new URLSearchParams(query);
  const tlsParam = params.get('tls');
  const tls = tlsParam === 'true' ? { rejectUnauthorized: true } : tlsParam === 'skip-verify' || tlsParam === 'preferred' ? { rejectUnauthorized: false } : undefined;
  const base = { user: user || undefined, password: password || undefined, database: decodeURIComponent(dbPart) || DEFAULT_DATABASE, tls };

  const form = /^(tcp|unix)\((.*)\)$/.exec(address);
  if (form?.[1] === 'unix') return { ...base, socketPath: form[2] };
  const hostPort = form ? form[2]! : address;
  if (address !== '' && !form && /[()]/.test(address)) throw new Error(`malformed mysql endpoint address "${address}"; ${usage}`);
  const hp = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(hostPort);
  if (!hp) throw new Error(`malformed mysql endpoint address; ${usage}`);
  return { ...base, host: hp[1] ?? (hp[2] || '127.0.0.1'), port: hp[3] ? Number(hp[3]) : 3306 };
}
