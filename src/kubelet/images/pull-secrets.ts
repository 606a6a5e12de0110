// Registry credentials from a pod's imagePullSecrets: kubernetes.io/dockerconfigjson and
// kubernetes.io/dockercfg Secrets, matched to an image the way the kubelet's credential keyring
// does: by registry host (a `*.` label matches one label), then by path prefix, the most specific
// entry first. Docker Hub answers to several names; they are all one registry here.
import type { RegistryAuth } from '../../runtime/types.js';

export interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
}

interface Keyed {
  host: string;
  path: string;
  auth: RegistryAuth;
}

const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io', 'docker.io']);

function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  return HUB_ALIASES.has(h) ? DOCKER_HUB : h;
}

/** A config key (`https://index.docker.io/v1/`, `registry.example.com:5000/team`, `*.example.com`) as host and path. */
export function parseConfigKey(key: string): { host: string; path: string } {
  let rest = key.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = rest.indexOf('/');
  let path = slash < 0 ? '' : rest.slice(slash + 1);
  rest = slash < 0 ? rest : rest.slice(0, slash);
  // Docker Hub's key carries its API version, which is no repository path.
  if (HUB_ALIASES.has(rest.toLowerCase()) && /^v1\/?$/.test(path)) path = '';
  return { host: canonicalHost(rest), path: path.replace(/\/+$/, '') };
}

/** The registry host and repository path of an image reference, Docker Hub's defaults applied. */
export function imageLocation(image: string): { host: string; path: string } {
  const name = image.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  const first = name.split('/')[0]!;
  // The first part is a registry only when it looks like a host: a dot, a port, or localhost.
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: canonicalHost(first), path: name.slice(first.length + 1) };
  }
  return { host: DOCKER_HUB, path: name.includes('/') ? name : `library/${name}` };
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  return p.every((label, i) => {
    if (i === p.length - 1) {
      // Ports must agree too: registry:5000 is not registry:5001.
      const [pl, pp] = label.split(':');
      const [hl, hp] = h[i]!.split(':');
      return (pl === '*' || pl === hl) && pp === hp;
    }
    return label === '*' || label === h[i];
  });
}

/** No serverAddress: containerd 1.6 parses it as a URL, and the bare host:port that
 *  `kubectl create secret docker-registry` writes is not one, so the pull failed before it began.
 *  The keyring has already matched the registry, so containerd needs no address to pick creds. */
function authOf(entry: DockerConfigEntry): RegistryAuth {
  let { username, password } = entry;
  if (!username && entry.auth) {
    // auth is base64 of user:password; the password may itself hold colons.
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  return {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
  };
}

/** The `auths` of a .dockerconfigjson, or the whole of a legacy .dockercfg; undefined if neither parses. */
export function dockerConfigEntries(secret: { type?: string; data?: Record<string, string> }): Record<string, DockerConfigEntry> | undefined {
  const field = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
  const raw = secret.data?.[field];
  if (!raw) return undefined;
  try {
    const doc = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Record<string, unknown>;
    const entries = (field === '.dockerconfigjson' ? doc.auths : doc) as Record<string, DockerConfigEntry> | undefined;
    return entries && typeof entries === 'object' ? entries : undefined;
  } catch {
    return undefined;
  }
}

/** Every credential that may open `image`, best match first (longest path, then exact host). */
export function credentialsFor(image: string, configs: Array<Record<string, DockerConfigEntry>>): RegistryAuth[] {
  const want = imageLocation(image);
  const keyed: Keyed[] = configs.flatMap((entries) =>
    Object.entries(entries).map(([key, entry]) => {
      const { host, path } = parseConfigKey(key);
      return { host, path, auth: authOf(entry) };
    }),
  );
  return keyed
    .filter((k) => hostMatches(k.host, want.host) && (k.path === '' || want.path === k.path || want.path.startsWith(`${k.path}/`)))
    .sort((a, b) => b.path.length - a.path.length || Number(b.host === want.host) - Number(a.host === want.host))
    .map((k) => k.auth);
}
