// The routes for connection upgrades, in the order they are tried: exec/attach/port-forward and
// watches over WebSocket check their credentials themselves (a browser's token rides in a
// subprotocol, and each needs its own verb checked); the agents' tunnel needs an authenticated node.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UserInfo } from '../authn.js';
import { ApiError } from '../errors.js';

export interface UpgradeRoute {
  name: string;
  /** `own`: the handler authenticates and answers refusals itself; `authenticated`: the caller has. */
  access: 'own' | 'authenticated';
  match(url: URL): boolean;
  /** Throws an ApiError to refuse (before any byte of the upgrade was written). */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo | undefined): void;
}

export interface UpgradeDeps {
  authenticate(req: IncomingMessage): UserInfo | undefined;
  /** Writes the refusal as a plain HTTP answer and closes the socket. */
  refuse(socket: Duplex, err: ApiError): void;
  unauthorized(): ApiError;
  notFound(): ApiError;
}

export function dispatchUpgrade(routes: readonly UpgradeRoute[], deps: UpgradeDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = new URL(`https://localhost${req.url?.startsWith('/') ? req.url : '/'}`);
  const route = routes.find((r) => r.match(url));
  if (!route) return deps.refuse(socket, deps.notFound());
  let user: UserInfo | undefined;
  if (route.access === 'authenticated') {
    user = deps.authenticate(req);
    if (!user) return deps.refuse(socket, deps.unauthorized());
  }
  try {
    route.handle(req, socket, head, user);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    deps.refuse(socket, err);
  }
}
