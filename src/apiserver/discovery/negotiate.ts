// Which discovery format to answer with. Clients decide by the response Content-Type alone, and a
// client that asked only for v2beta1 (kubectl 1.27–1.29) breaks on v2, so the choice must follow
// the Accept header: the first acceptable entry by q (then by order) wins.

export type DiscoveryFormat = 'v2' | 'v2beta1' | 'legacy';

export interface DiscoveryNegotiation {
  format: DiscoveryFormat;
  /** The exact Content-Type to send. Also send `Vary: Accept`, since the body depends on it. */
  contentType: string;
}

export const AGGREGATED_CONTENT_TYPE: Record<'v2' | 'v2beta1', string> = {
  v2: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  v2beta1: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
};

const LEGACY: DiscoveryNegotiation = { format: 'legacy', contentType: 'application/json' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
  index: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  header.split(',').forEach((part, index) => {
    const [type, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!type) return;
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq <= 0) continue;
      params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    ranges.push({ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 1, index });
  });
  // Stable: equal q keeps the client's order.
  return ranges.sort((a, b) => b.q - a.q || a.index - b.index);
}

function choose(range: MediaRange): DiscoveryNegotiation | undefined {
  if (range.q <= 0) return undefined;
  // Only JSON can be served; protobuf or YAML entries are skipped.
  if (range.type !== 'application/json' && range.type !== 'application/*' && range.type !== '*/*') return undefined;
  const { as, g, v } = range.params;
  if (as === undefined) return LEGACY;
  if (as !== 'APIGroupDiscoveryList' || g !== 'apidiscovery.k8s.io') return undefined;
  if (v === 'v2' || v === 'v2beta1') return { format: v, contentType: AGGREGATED_CONTENT_TYPE[v] };
  return undefined;
}

/**
 * Picks the format for `/api` and `/apis`. With no usable entry (or no header) the answer is legacy
 * JSON, which every client accepts.
 */
export function negotiateDiscovery(accept: string | string[] | undefined): DiscoveryNegotiation {
  if (!accept) return LEGACY;
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  for (const range of parseAccept(header)) {
    const chosen = choose(range);
    if (chosen) return chosen;
  }
  return LEGACY;
}
