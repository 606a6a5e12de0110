// Which API server an agent talks to next. Requests rotate over the servers that answer; one that
// fails leaves the rotation and is probed (GET /healthz, which needs no credentials) with a growing
// delay until it answers again. With every server failed, the one that failed longest ago is tried:
// it has had the most time to come back, and a request is a probe of its own.
import https from 'node:https';
import type { ClientRequest } from 'node:http';

export interface ServerPoolOptions {
  /** Base URLs, `https://host:port`. */
  servers: string[];
  /** PEM of the CA that signed the servers' certificates. */
  ca: string;
  /** The first delay before probing a failed server; it doubles after every failed probe. Default 1000. */
  probeIntervalMs?: number;
  /** The longest delay between probes. Default 30000. */
  maxBackoffMs?: number;
  /** How long one probe may take. Default 5000. */
  probeTimeoutMs?: number;
  /** Called with the healthy servers, in configured order, whenever that set changes. */
  onChange?(healthy: string[]): void;
}

export interface ServerPool {
  /** The next server to use: round-robin over the healthy ones, else the least recently failed. */
  pick(): string;
  /** Takes a server out of rotation until a probe (or a request, see markHealthy) finds it answering. */
  markFailed(url: string): void;
  /** A request to this server just succeeded: back into rotation without waiting for the probe. */
  markHealthy(url: string): void;
  /** Replaces the server list; servers already known keep their health. */
  setServers(urls: string[]): void;
  servers(): string[];
  healthy(): string[];
  close(): void;
}

interface ServerState {
  url: string;
  healthy: boolean;
  failedAt: number;
  backoffMs: number;
  timer?: NodeJS.Timeout;
  probe?: ClientRequest;
}

/** Trailing slashes removed, so `https://a:1/` and `https://a:1` are one server. */
export function normalizeServerUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:') throw new Error(`API server URL ${JSON.stringify(url)} must start with https://`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

export function createServerPool(opts: ServerPoolOptions): ServerPool {
  const firstDelay = opts.probeIntervalMs ?? 1000;
  const maxDelay = opts.maxBackoffMs ?? 30_000;
  const probeTimeout = opts.probeTimeoutMs ?? 5000;
  let order: ServerState[] = [];
  const byUrl = new Map<string, ServerState>();
  let next = 0;
  let closed = false;

  const healthyUrls = () => order.filter((s) => s.healthy).map((s) => s.url);
  const notify = () => {
    if (!closed) opts.onChange?.(healthyUrls());
  };

  const stopProbing = (s: ServerState) => {
    clearTimeout(s.timer);
    s.timer = undefined;
    s.probe?.destroy();
    s.probe = undefined;
  };

  const schedule = (s: ServerState) => {
    if (closed || s.timer || s.probe) return;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      probe(s);
    }, s.backoffMs);
    // Probing never keeps a process alive on its own.
    s.timer.unref();
  };

  const probe = (s: ServerState) => {
    if (closed || s.healthy || byUrl.get(s.url) !== s) return;
    const req = https.get(`${s.url}/healthz`, { ca: opts.ca, agent: false, timeout: probeTimeout }, (res) => {
      res.resume();
      finish(res.statusCode === 200);
    });
    s.probe = req;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      if (s.probe === req) s.probe = undefined;
      req.destroy();
      if (closed || byUrl.get(s.url) !== s || s.healthy) return;
      if (ok) {
        s.healthy = true;
        notify();
        return;
      }
      s.backoffMs = Math.min(s.backoffMs * 2, maxDelay);
      schedule(s);
    };
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', () => finish(false));
  };

  const add = (url: string): ServerState => ({ url, healthy: true, failedAt: 0, backoffMs: firstDelay });

  /** Returns whether the healthy set changed. */
  const replaceServers = (urls: string[]): boolean => {
    const wanted = [...new Set(urls.map(normalizeServerUrl))];
    if (wanted.length === 0) throw new Error('the server pool needs at least one API server URL');
    const before = healthyUrls().join(' ');
    const kept = new Map<string, ServerState>();
    for (const url of wanted) kept.set(url, byUrl.get(url) ?? add(url));
    for (const [url, s] of byUrl) if (!kept.has(url)) stopProbing(s);
    byUrl.clear();
    for (const [url, s] of kept) byUrl.set(url, s);
    order = [...kept.values()];
    return healthyUrls().join(' ') !== before;
  };

  replaceServers(opts.servers);

  return {
    pick() {
      const healthy = order.filter((s) => s.healthy);
      if (healthy.length > 0) {
        const s = healthy[next % healthy.length];
        next = (next + 1) % Number.MAX_SAFE_INTEGER;
        return s.url;
      }
      return order.reduce((a, b) => (b.failedAt < a.failedAt ? b : a)).url;
    },
    markFailed(url) {
      const s = byUrl.get(normalizeServerUrl(url));
      if (!s) return;
      // Every failure moves it to the back of the "least recently failed" line.
      s.failedAt = Math.max(performance.now(), s.failedAt + 1e-6);
      if (!s.healthy) return;
      s.healthy = false;
      s.backoffMs = firstDelay;
      notify();
      schedule(s);
    },
    markHealthy(url) {
      const s = byUrl.get(normalizeServerUrl(url));
      if (!s || s.healthy) return;
      stopProbing(s);
      s.healthy = true;
      notify();
    },
    setServers(urls) {
      if (replaceServers(urls)) notify();
    },
    servers: () => order.map((s) => s.url),
    healthy: healthyUrls,
    close() {
      closed = true;
      for (const s of order) stopProbing(s);
    },
  };
}
