#!/usr/bin/env node
// The k3ts command: a small table of subcommands.
import { Command } from 'commander';
import { serverCommand } from './server-command.js';
import { agentCommand } from './agent-command.js';
import { tokenCommand } from './token-command.js';
import { downCommand, upCommand } from './up-command.js';
import { killallCommand } from './killall-command.js';
import { imageCommand } from './image-command.js';
import { secretsEncryptCommand } from './secrets-encrypt-command.js';
import { kubeconfigCommand } from './kubeconfig-command.js';
import { etcdSnapshotCommand } from './etcd-snapshot-command.js';
import { etcdMemberCommand } from './etcd-member-command.js';
import { k3tsVersion, kubernetesVersion } from '../apiserver/version.js';

const program = new Command('k3ts')
  .description('k3ts: a small, multi-node Kubernetes distribution (API server on embedded SQLite, kubectl-compatible)')
  .version(`k3ts ${k3tsVersion} (Kubernetes ${kubernetesVersion})`)
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(serverCommand())
  .addCommand(agentCommand())
  .addCommand(tokenCommand())
  .addCommand(upCommand())
  .addCommand(downCommand())
  .addCommand(killallCommand())
  .addCommand(imageCommand())
  .addCommand(secretsEncryptCommand());
program.addCommand(kubeconfigCommand());
program.addCommand(etcdSnapshotCommand());
program.addCommand(etcdMemberCommand());

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`k3ts: ${err.message}\n`);
  process.exit(1);
});
