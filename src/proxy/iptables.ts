// The iptables commands the proxy runs, in one place: save and restore of whole tables, and the
// few single-rule edits for jumps from built-in chains, which we must not replace wholesale.
import { CommandError, mustRun, type RunCommand } from '../network/host-command.js';
import type { BuiltinJump, Table } from './chains.js';
import { ruleLine } from './rule-text.js';
import { parseSave } from './restore.js';
import { ServiceProxyError } from './types.js';

// Wait for the xtables lock (legacy backend) rather than fail when another tool holds it.
const WAIT = ['-w', '5'];

const missing = (stderr: string) => /No such file|not found|ENOENT/i.test(stderr);

export interface Iptables {
  /** Throws a ServiceProxyError naming the package when the tools are not installed. */
  check(): Promise<void>;
  save(table: Table): Promise<Map<string, string[]>>;
  restore(text: string): Promise<void>;
  /** -C, then -I at the top (or -A at the end) when absent; true when it had to add it. */
  ensureJump(j: BuiltinJump): Promise<boolean>;
  /** Deletes every copy of the jump. */
  deleteJump(j: BuiltinJump): Promise<void>;
}

export function hostIptables(run: RunCommand): Iptables {
  return {
    async check() {
      const cmds = ['iptables', 'iptables-save', 'iptables-restore'];
      const results = await Promise.all(cmds.map((cmd) => run(cmd, ['--version'])));
      results.forEach((r, i) => {
        if (r.code === 127 || (r.code !== 0 && missing(r.stderr))) {
          throw new ServiceProxyError('IptablesMissing', `the service proxy needs ${cmds[i]}, which is not installed (apt-get install iptables)`);
        }
      });
    },
    async save(table) {
      return parseSave(await mustRun(run, 'iptables-save', ['-t', table]));
    },
    async restore(text) {
      try {
        await mustRun(run, 'iptables-restore', [...WAIT, '--noflush'], text);
      } catch (err) {
        throw new ServiceProxyError('SyncFailed', `iptables-restore refused the proxy's rules: ${(err as Error).message}`, { cause: err });
      }
    },
    async ensureJump(j) {
      const check = await run('iptables', [...WAIT, '-t', j.table, '-C', j.chain, ...j.spec]);
      if (check.code === 0) return false;
      const where = j.at === 'top' ? ['-I', j.chain, '1'] : ['-A', j.chain];
      await mustRun(run, 'iptables', [...WAIT, '-t', j.table, ...where, ...j.spec]);
      return true;
    },
    async deleteJump(j) {
      // Bounded: a rule that -D reports gone yet -C still finds must not loop forever.
      for (let i = 0; i < 16; i++) {
        const r = await run('iptables', [...WAIT, '-t', j.table, '-D', j.chain, ...j.spec]);
        if (r.code !== 0) return;
      }
      throw new CommandError('iptables', ['-t', j.table, '-D', j.chain, ...j.spec], { code: 1, stdout: '', stderr: 'jump still present after 16 deletions' });
    },
  };
}

/** Whether a saved table has the jump, compared as iptables-save prints it. */
export function hasJump(saved: ReadonlyMap<string, readonly string[]>, j: BuiltinJump): boolean {
  return saved.get(j.chain)?.includes(ruleLine(j.chain, j.spec)) ?? false;
}
