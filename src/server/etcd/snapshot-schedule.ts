// Scheduled snapshots (--etcd-snapshot-schedule-cron, default every 12 hours as K3s; '' or
// --etcd-disable-snapshots turns them off): each server snapshots its own member and keeps the
// newest --etcd-snapshot-retention (default 5) of the scheduled ones. A failed snapshot is logged
// and tried again at the next time; it never stops the server.
import type { Logger } from '../log.js';
import { parseCron } from './cron.js';
import { pruneSnapshots, saveSnapshot, snapshotDir } from './snapshots.js';

export interface SnapshotScheduleSettings {
  cron: string;
  retention: number;
  dir?: string;
}

const SCHEDULED_PREFIX = 'etcd-snapshot';

export function startSnapshotSchedule(o: SnapshotScheduleSettings & { dataDir: string; nodeName: string; log: Logger; now?: () => Date }): () => void {
  const schedule = parseCron(o.cron);
  const now = o.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const at = schedule.next(now());
    // setTimeout holds at most ~24.8 days; a longer wait is re-armed on the way.
    const wait = Math.min(at.getTime() - now().getTime(), 2 ** 31 - 1);
    timer = setTimeout(() => void fire(at), Math.max(0, wait));
    timer.unref();
  };
  const fire = async (due: Date) => {
    if (now().getTime() + 1000 < due.getTime()) return arm();
    try {
      const s = await saveSnapshot({ dataDir: o.dataDir, name: SCHEDULED_PREFIX, dir: o.dir, nodeName: o.nodeName });
      const pruned = await pruneSnapshots(snapshotDir(o.dataDir, o.dir), { prefix: SCHEDULED_PREFIX, retention: o.retention });
      o.log.info('saved a scheduled etcd snapshot', { path: s.path, bytes: s.size, ...(pruned.length ? { pruned: pruned.join(',') } : {}) });
    } catch (err) {
      o.log.warn('scheduled etcd snapshot failed; trying again at the next scheduled time', { error: (err as Error).message });
    }
    arm();
  };
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
