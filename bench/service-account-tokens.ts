// What a ServiceAccount token costs the request that carries it: the authenticator's work, measured
// in process so nothing else (TLS, routing, the handler) is in the number. "Cached" is every request
// after a token's first: a map lookup plus the existence checks of its ServiceAccount and bound pod
// against the watched caches. "First" is the RS256 signature check a new token costs once.
// Target: cached < 50 µs.
//   npx tsc -p tsconfig.json && node dist/bench/service-account-tokens.js [--tokens 1000] [--requests 200000]
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { KObject } from '../src/registry/types.js';
import { createTokenIssuer } from '../src/apiserver/serviceaccount/token-issuer.js';
import { createServiceAccountAuthenticator, type ObjectLookup } from '../src/apiserver/serviceaccount/token-authenticator.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const TOKENS = arg('tokens', 1000);
const REQUESTS = arg('requests', 200_000);

function lookup(objects: Array<{ ns: string; name: string; uid: string }>): ObjectLookup {
  const m = new Map(objects.map((o) => [`${o.ns}/${o.name}`, { metadata: { name: o.name, namespace: o.ns, uid: o.uid } } as KObject]));
  return { get: (ns, name) => m.get(`${ns}/${name}`) };
}

function main(): void {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const issuer = createTokenIssuer({ keys: { signing: key, verifying: [createPublicKey(key)] } });
  const auth = createServiceAccountAuthenticator({ issuer });
  const sas = Array.from({ length: TOKENS }, (_, i) => ({ ns: `ns-${i % 50}`, name: `sa-${i}`, uid: `sa-uid-${i}` }));
  const pods = Array.from({ length: TOKENS }, (_, i) => ({ ns: `ns-${i % 50}`, name: `pod-${i}`, uid: `pod-uid-${i}` }));
  auth.attach({ serviceAccounts: lookup(sas), pods: lookup(pods), secrets: lookup([]) });
  const tokens = sas.map((sa, i) =>
    issuer.issue({ namespace: sa.ns, serviceAccount: { name: sa.name, uid: sa.uid }, audiences: [...issuer.audiences], expirationSeconds: 3607, pod: { name: pods[i].name, uid: pods[i].uid } }).token,
  );
  let t0 = performance.now();
  for (const t of tokens) if (!auth.authenticateToken(t)) throw new Error('a fresh token was refused');
  const firstUs = ((performance.now() - t0) * 1000) / tokens.length;
  // Warm the JIT, then measure.
  for (let i = 0; i < 20_000; i++) auth.authenticateToken(tokens[i % tokens.length]);
  t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) if (!auth.authenticateToken(tokens[i % tokens.length])) throw new Error('a cached token was refused');
  const cachedUs = ((performance.now() - t0) * 1000) / REQUESTS;
  console.log(JSON.stringify({
    bench: 'service-account-tokens',
    tokens: TOKENS,
    requests: REQUESTS,
    cachedMicrosPerRequest: Math.round(cachedUs * 1000) / 1000,
    firstVerificationMicros: Math.round(firstUs * 10) / 10,
    targetCachedMicros: 50,
    machine: { cpus: cpus().length, load1: Math.round(loadavg()[0] * 100) / 100 },
  }));
}

main();
