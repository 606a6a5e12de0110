// `k3ts agent`: join a node to a cluster, flags and environment named as in K3s.
import { Command, Option } from 'commander';
import { ConfigError } from '../agent/environment.js';
import { resolveAgentConfig, type AgentFlags } from '../agent/config.js';
import { JoinError } from '../agent/credentials.js';
import { NodeIdentityError } from '../agent/node-identity.js';
import { NodeBusyError } from '../agent/node-owner.js';
import { createLogger } from '../server/log.js';
import { fail } from './fail.js';
import { closeOnSignal } from './until-signal.js';
import { nodeFlags } from './node-flags.js';

export function agentCommand(): Command {
  const cmd = new Command('agent')
    .description('Join this machine to a cluster as a node (runs the kubelet; needs no inbound port)')
    .option('-s, --server <url>', 'a server to join, e.g. https://10.0.0.1:6443 (env K3TS_URL)')
    .option('-t, --token <token>', "the server's <data-dir>/server/token or a join token from `k3ts token create` (env K3TS_TOKEN)")
    .option('--token-file <file>', 'read the token from a file (env K3TS_TOKEN_FILE)')
    .option('--cluster-cidr <cidr>', 'the pods\' range of the whole cluster, as the server was given it (default: 10.42.0.0/16)')
    .option('-d, --data-dir <dir>', 'folder for the node password, certificates and state (default: /var/lib/k3ts as root, else ~/.k3ts; env K3TS_DATA_DIR)');
  nodeFlags(cmd)
    .addOption(new Option('--log-format <format>', 'text or json (default: text)').choices(['text', 'json']))
    .action(async (flags: AgentFlags) => {
      let config;
      try {
        config = resolveAgentConfig(flags);
      } catch (err) {
        if (err instanceof ConfigError) fail(err.message);
        throw err;
      }
      const log = createLogger(config.logFormat);
      let agent;
      try {
        const { runAgent } = await import('../agent/agent.js');
        agent = await runAgent(config, log);
      } catch (err) {
        if (err instanceof JoinError || err instanceof NodeIdentityError || err instanceof NodeBusyError) fail(err.message);
        fail(`agent failed to start: ${(err as Error)?.message ?? String(err)}`);
      }
      closeOnSignal(() => agent.close(), log);
    });
  return cmd;
}
