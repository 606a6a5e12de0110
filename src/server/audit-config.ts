// The audit flags as kube-apiserver names them. The policy file itself is read when the server
// starts (apiserver/audit/policy.ts), so a bad one stops it with the file named.
import { resolve } from 'node:path';
import { ConfigError } from '../agent/environment.js';

export interface AuditSettings {
  /** A file, or `-` for standard output. */
  logPath: string;
  policyFile: string;
  maxAgeDays: number;
  maxBackups: number;
  maxSizeMB: number;
}

export interface AuditFlags {
  auditLogPath?: string;
  auditPolicyFile?: string;
  auditLogMaxage?: string;
  auditLogMaxbackup?: string;
  auditLogMaxsize?: string;
}

function count(flag: string, v: string | undefined): number {
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${flag}: "${v}" is not a whole number (0 or more)`);
  return n;
}

/** `{ audit }` when both the log path and the policy are given; `{}` otherwise (nothing is recorded
 *  then, as kube-apiserver without a policy). */
export function resolveAuditSettings(f: AuditFlags): { audit?: AuditSettings } {
  const maxAgeDays = count('--audit-log-maxage', f.auditLogMaxage);
  const maxBackups = count('--audit-log-maxbackup', f.auditLogMaxbackup);
  const maxSizeMB = count('--audit-log-maxsize', f.auditLogMaxsize);
  if (!f.auditLogPath && f.auditPolicyFile) throw new ConfigError('--audit-policy-file needs --audit-log-path: say where the events go (a file, or - for standard output)');
  if (f.auditLogPath && !f.auditPolicyFile) throw new ConfigError('--audit-log-path needs --audit-policy-file: without a policy no event is recorded');
  if (!f.auditLogPath || !f.auditPolicyFile) return {};
  return {
    audit: {
      logPath: f.auditLogPath === '-' ? '-' : resolve(f.auditLogPath),
      policyFile: resolve(f.auditPolicyFile),
      maxAgeDays,
      maxBackups,
      maxSizeMB,
    },
  };
}
