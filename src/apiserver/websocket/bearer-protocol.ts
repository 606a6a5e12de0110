// A browser cannot set Authorization on a WebSocket, so, as kube-apiserver does, the bearer token
// may come as one of the offered subprotocols: base64url.bearer.authorization.k8s.io.<token in
// unpadded base64url>. It is taken out of the offer (it must never be echoed back), and at least one
// other subprotocol must remain for the server to answer with.

export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

export type BearerProtocol = { token?: string; protocols: string[] } | { error: string };

/** The token and the other offered subprotocols, in the client's order. */
export function readBearerProtocol(offered: string | string[] | undefined): BearerProtocol {
  const protocols: string[] = [];
  let token: string | undefined;
  for (const header of Array.isArray(offered) ? offered : offered === undefined ? [] : [offered]) {
    for (const raw of header.split(',')) {
      const p = raw.trim();
      if (p === '') continue;
      if (!p.startsWith(BEARER_PROTOCOL_PREFIX)) {
        protocols.push(p);
        continue;
      }
      if (token !== undefined) return { error: 'more than one bearer token subprotocol was offered' };
      const encoded = p.slice(BEARER_PROTOCOL_PREFIX.length);
      if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return { error: 'the bearer token subprotocol is not unpadded base64url' };
      const bytes = Buffer.from(encoded, 'base64url');
      const text = bytes.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(bytes)) return { error: 'the bearer token subprotocol is not UTF-8' };
      token = text;
    }
  }
  if (token && protocols.length === 0) return { error: 'a bearer token subprotocol needs another subprotocol beside it' };
  return token ? { token, protocols } : { protocols };
}
