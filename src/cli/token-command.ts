// `k3ts token create|list|delete`: join tokens, managed through the API as the admin kubeconfig's
// user (run on a server, or anywhere with an admin kubeconfig).
import { Command } from 'commander';
import { caHash } from '../pki/token.js';
import { createHttpClient } from '../client/http-client.js';
import { createServerPool } from '../client/server-pool.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { parseDuration } from '../join/bootstrap-tokens.js';
import { createJoinToken, deleteJoinToken, formatTokenTable, listJoinTokens } from '../join/token-admin.js';
import { currentEnvironment, defaultKubeconfigPath } from '../server/config.js';
import { fail } from './fail.js';

interface Common {
  kubeconfig?: string;
}

function connect(flags: Common) {
  const path = flags.kubeconfig || process.env.KUBECONFIG?.split(':')[0] || defaultKubeconfigPath(currentEnvironment());
  let kc;
  try {
    kc = loadKubeconfig(path);
  } catch (err) {
    fail((err as Error).message);
  }
  const pool = createServerPool({ servers: [kc.server], ca: kc.caPem });
  const client = createHttpClient({ pool, ca: kc.caPem, cert: kc.certPem, key: kc.keyPem, token: kc.token, userAgent: 'k3ts-token' });
  return { client, caPem: kc.caPem, close: () => (client.close(), pool.close()) };
}

async function run(flags: Common, work: (c: ReturnType<typeof connect>) => Promise<void>): Promise<void> {
  const c = connect(flags);
  try {
    await work(c);
  } catch (err) {
    fail((err as Error).message);
  } finally {
    c.close();
  }
}

const kubeconfigHelp = 'admin kubeconfig (default: $KUBECONFIG, else the path the server writes)';

export function tokenCommand(): Command {
  const token = new Command('token').description('Manage join tokens that let agents join this cluster');
  token
    .command('create')
    .description('Create a join token and print it (give it to `k3ts agent --token`)')
    .option('--ttl <duration>', 'how long the token is valid, e.g. 24h, 90m; 0 = never expires', '24h')
    .option('--description <text>', 'what the token is for, shown by `k3ts token list`')
    .option('--kubeconfig <path>', kubeconfigHelp)
    .action(async (flags: Common & { ttl: string; description?: string }) => {
      let ttlMs: number;
      try {
        ttlMs = parseDuration(flags.ttl);
      } catch (err) {
        fail(`--ttl: ${(err as Error).message}`);
      }
      await run(flags, async (c) => {
        const made = await createJoinToken(c.client, { caHash: caHash(c.caPem), ttlMs, description: flags.description });
        process.stdout.write(`${made.token}\n`);
      });
    });
  token
    .command('list')
    .description('List join tokens with their expiry')
    .option('--kubeconfig <path>', kubeconfigHelp)
    .action(async (flags: Common) => {
      await run(flags, async (c) => {
        process.stdout.write(formatTokenTable(await listJoinTokens(c.client)));
      });
    });
  token
    .command('delete')
    .description('Delete a join token; agents can no longer join with it (joined nodes stay)')
    .argument('<id>', 'the token id (first 6 characters), or the whole token')
    .option('--kubeconfig <path>', kubeconfigHelp)
    .action(async (id: string, flags: Common) => {
      await run(flags, async (c) => {
        process.stdout.write(`join token "${await deleteJoinToken(c.client, id)}" deleted\n`);
      });
    });
  return token;
}
