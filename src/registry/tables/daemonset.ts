// `kubectl get daemonsets`: per-node scheduling counts and the pod template's node selector.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, containerCells, formatLabelSelector, formatLabels, int, nameColumn, templateColumns } from './common.js';
import { doc } from './docs.js';

export const daemonSetTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', doc['DaemonSetStatus.desiredNumberScheduled']),
    column('Current', 'integer', doc['DaemonSetStatus.currentNumberScheduled']),
    column('Ready', 'integer', doc['DaemonSetStatus.numberReady']),
    column('Up-to-date', 'integer', doc['DaemonSetStatus.updatedNumberScheduled']),
    column('Available', 'integer', doc['DaemonSetStatus.numberAvailable']),
    column('Node Selector', 'string', doc['PodSpec.nodeSelector']),
    ageColumn(),
    ...templateColumns(doc['DaemonSetSpec.selector']),
  ],
  cells(obj: KObject, now: Date) {
    const ds = obj as unknown as DaemonSet;
    const st = ds.status;
    return [
      obj.metadata.name ?? '',
      int(st?.desiredNumberScheduled),
      int(st?.currentNumberScheduled),
      int(st?.numberReady),
      int(st?.updatedNumberScheduled),
      int(st?.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      ageOf(obj.metadata.creationTimestamp, now),
      ...containerCells(ds.spec?.template?.spec?.containers),
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};
