// The audit log as the server's flags describe it: the policy read (a bad one stops the start), the
// file opened, and the auditor the HTTP front records through.
import { createAuditor, type Auditor } from './auditor.js';
import { openLineLog } from './log-file.js';
import { loadAuditPolicy } from './policy.js';

export interface AuditLogSettings {
  logPath: string;
  policyFile: string;
  maxAgeDays: number;
  maxBackups: number;
  maxSizeMB: number;
}

export async function openAuditor(s: AuditLogSettings, warn: (msg: string, fields: Record<string, unknown>) => void): Promise<Auditor> {
  const policy = loadAuditPolicy(s.policyFile);
  const log = await openLineLog({ path: s.logPath, maxSizeBytes: s.maxSizeMB * 1024 * 1024, maxBackups: s.maxBackups, maxAgeDays: s.maxAgeDays, warn });
  return createAuditor({ policy, log });
}
