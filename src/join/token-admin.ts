// `k3ts token create|list|delete`, as operations on the cluster through any Client.
import type { Client } from '../client/types.js';
import { hasReason } from '../client/types.js';
import { formatSecureToken } from '../pki/token.js';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_TYPE,
  bootstrapSecretName,
  bootstrapTokenInfo,
  bootstrapTokenSecret,
  generateBootstrapToken,
  type BootstrapTokenInfo,
} from './bootstrap-tokens.js';

const secrets = { group: '', version: 'v1', resource: 'secrets' };

export class TokenAdminError extends Error {}

/** Returns the full token to hand to an agent: `K10<CA hash>::<id>.<secret>`. */
export async function createJoinToken(client: Client, o: { caHash: string; ttlMs: number; description?: string }): Promise<{ token: string; info: BootstrapTokenInfo }> {
  for (;;) {
    const t = generateBootstrapToken();
    const secret = bootstrapTokenSecret(t, { ttlMs: o.ttlMs, description: o.description });
    try {
      await client.create(secrets, secret);
    } catch (err) {
      if (hasReason(err, 'AlreadyExists')) continue; // 36^6 ids: a clash is rare, just draw again
      throw err;
    }
    return { token: formatSecureToken({ caHash: o.caHash, password: `${t.id}.${t.secret}` }), info: bootstrapTokenInfo(secret)! };
  }
}

export async function listJoinTokens(client: Client): Promise<BootstrapTokenInfo[]> {
  const list = await client.list(secrets, { namespace: BOOTSTRAP_TOKEN_NAMESPACE, fieldSelector: `type=${BOOTSTRAP_TOKEN_TYPE}` });
  return list.items.map(bootstrapTokenInfo).filter((i): i is BootstrapTokenInfo => i !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

/** Accepts the id, `id.secret`, or a whole K10 token. */
export async function deleteJoinToken(client: Client, idOrToken: string): Promise<string> {
  const m = /(?:^|::)([a-z0-9]{6})(?:\.[a-z0-9]{16})?$/.exec(idOrToken.trim());
  if (!m) throw new TokenAdminError(`"${idOrToken}" is not a join token id (6 lower case letters or digits; see "k3ts token list")`);
  const id = m[1]!;
  try {
    await client.delete(secrets, BOOTSTRAP_TOKEN_NAMESPACE, bootstrapSecretName(id));
  } catch (err) {
    if (hasReason(err, 'NotFound')) throw new TokenAdminError(`join token "${id}" does not exist (see "k3ts token list")`);
    throw err;
  }
  return id;
}

function humanDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  if (h >= 48) return `${Math.floor(h / 24)}d`;
  if (h >= 1) return `${h}h`;
  const m = Math.floor(ms / 60_000);
  return m >= 1 ? `${m}m` : `${Math.max(0, Math.floor(ms / 1000))}s`;
}

export function formatTokenTable(tokens: BootstrapTokenInfo[], now = new Date()): string {
  const rows = [['ID', 'TTL', 'EXPIRES', 'DESCRIPTION']];
  for (const t of tokens) {
    const left = t.expires ? t.expires.getTime() - now.getTime() : undefined;
    rows.push([
      t.id,
      left === undefined ? '<forever>' : left <= 0 ? '<expired>' : humanDuration(left),
      t.expires ? t.expires.toISOString().replace(/\.\d{3}Z$/, 'Z') : '<never>',
      t.description ?? '<none>',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}
