// `kubectl get cronjobs` (1.32 layout): schedule, zone, suspension, running jobs, last run.
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, containerCells, formatLabelSelector, nameColumn, templateColumns } from './common.js';

export const cronJobTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in cron format.'),
    column('Timezone', 'string', 'The IANA time zone the schedule is read in; unset means the controller\'s zone.'),
    column('Suspend', 'boolean', 'Whether later runs are suspended.'),
    column('Active', 'integer', 'Jobs of this CronJob still running.'),
    column('Last Schedule', 'string', 'When a job was last scheduled.'),
    ageColumn(),
    ...templateColumns('The job template\'s label selector.'),
  ],
  cells(obj: KObject, now: Date) {
    const cj = obj as unknown as CronJob;
    const suspend = cj.spec?.suspend;
    const last = cj.status?.lastScheduleTime;
    return [
      obj.metadata.name ?? '',
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      suspend === undefined || suspend === null ? '<unset>' : suspend ? 'True' : 'False',
      cj.status?.active?.length ?? 0,
      last ? ageOf(last, now) : '<none>',
      ageOf(obj.metadata.creationTimestamp, now),
      ...containerCells(cj.spec?.jobTemplate?.spec?.template?.spec?.containers),
      formatLabelSelector(cj.spec?.jobTemplate?.spec?.selector),
    ];
  },
};
