// `k3ts kubeconfig create <user>`: a kubeconfig with a client certificate for a user, issued by the
// cluster through a CertificateSigningRequest this command approves.
import { Command } from 'commander';
import { createHttpClient } from '../client/http-client.js';
import { createServerPool } from '../client/server-pool.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { createUserKubeconfig } from '../client/user-kubeconfig.js';
import { parseDuration } from '../join/bootstrap-tokens.js';
import { currentEnvironment, defaultKubeconfigPath } from '../server/config.js';
import { fail } from './fail.js';

interface CreateFlags {
  group?: string[];
  ttl: string;
  kubeconfig?: string;
  server?: string;
}

export function kubeconfigCommand(): Command {
  const kubeconfig = new Command('kubeconfig').description('Make kubeconfigs for users of this cluster');
  kubeconfig
    .command('create')
    .description('Print a kubeconfig for <user> with a client certificate the cluster signs (needs the right to approve CSRs)')
    .argument('<user>', 'the user name (the certificate CN); RBAC bindings name it')
    .option('--group <group>', 'a group the user is in (the certificate O); repeat for more', (g: string, all: string[] | undefined) => [...(all ?? []), g])
    .option('--ttl <duration>', 'how long the certificate is valid, e.g. 720h; at least 10m, at most the signer maximum (1 year)', '720h')
    .option('--kubeconfig <path>', 'kubeconfig of a user who may approve CSRs (default: $KUBECONFIG, else the path the server writes)')
    .option('--server <url>', 'API server URL to use and write into the new kubeconfig (default: the one in --kubeconfig)')
    .addHelpText('after', '\nThe private key is made on this machine and printed only in the output. Keep the file private:\n  k3ts kubeconfig create jane --group devs > jane.yaml && chmod 600 jane.yaml\n(or `umask 077` first). Bind roles to the user or group, e.g.\n  kubectl create rolebinding jane-edit --clusterrole=edit --user=jane -n team-a')
    .action(async (user: string, flags: CreateFlags) => {
      let ttlMs: number;
      try {
        ttlMs = parseDuration(flags.ttl);
      } catch (err) {
        fail(`--ttl: ${(err as Error).message}`);
      }
      const path = flags.kubeconfig || process.env.KUBECONFIG?.split(':')[0] || defaultKubeconfigPath(currentEnvironment());
      let kc;
      try {
        kc = loadKubeconfig(path);
      } catch (err) {
        fail((err as Error).message);
      }
      const server = flags.server || kc.server;
      if (!/^https:\/\/[^/]+/.test(server)) fail(`--server: "${server}" is not an https:// URL`);
      const pool = createServerPool({ servers: [server], ca: kc.caPem });
      const client = createHttpClient({ pool, ca: kc.caPem, cert: kc.certPem, key: kc.keyPem, token: kc.token, userAgent: 'k3ts-kubeconfig' });
      try {
        process.stdout.write(await createUserKubeconfig({ client, server, caPem: kc.caPem, user, groups: flags.group ?? [], ttlMs }));
      } catch (err) {
        fail((err as Error).message);
      } finally {
        client.close();
        pool.close();
      }
    });
  return kubeconfig;
}
