// Serves the dashboard's three static files at /dashboard/. They hold no cluster data: the page
// calls the API with the user's own credentials, so what it shows is what that user may read. The
// files are read once at start; a strict Content-Security-Policy allows only this origin's script
// and the API calls (and watch sockets) it makes.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_PATH = '/dashboard';

interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

// The assets stay beside the sources (dist/src/dashboard → src/dashboard/assets): plain files, no build step.
const assetDir = fileURLToPath(new URL('../../../src/dashboard/assets/', import.meta.url));

export interface Dashboard {
  /** True when the path is the dashboard's (and it answered). */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean;
}

export function createDashboard(dir = assetDir): Dashboard {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(TYPES)) assets.set(name, { body: readFileSync(`${dir}${name}`), type });
  // The watches are WebSockets to this same host: wss://<the host the page was loaded from>, named
  // outright since not every browser counts wss: as 'self'. A Host that is not a plain host[:port]
  // gets no WebSocket source at all rather than text copied into the policy.
  const policy = (host: string | undefined) =>
    `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'${host && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? ` wss://${host}` : ''}; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
  const headers = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
  return {
    handle(req, res, pathname) {
      if (pathname !== DASHBOARD_PATH && !pathname.startsWith(`${DASHBOARD_PATH}/`)) return false;
      if (pathname === DASHBOARD_PATH) {
        res.writeHead(301, { Location: `${DASHBOARD_PATH}/` });
        res.end();
        return true;
      }
      const name = pathname.slice(DASHBOARD_PATH.length + 1) || 'index.html';
      const asset = assets.get(name);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('method not allowed\n');
        return true;
      }
      if (!asset) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('not found\n');
        return true;
      }
      res.writeHead(200, { ...headers, 'Content-Security-Policy': policy(req.headers.host), 'Content-Type': asset.type, 'Content-Length': asset.body.length });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return true;
    },
  };
}
