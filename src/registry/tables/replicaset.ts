// `kubectl get replicasets`: desired versus observed and ready replica counts.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, containerCells, formatLabelSelector, int, nameColumn, templateColumns } from './common.js';
import { doc } from './docs.js';

export const replicaSetTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', doc['ReplicaSetSpec.replicas']),
    column('Current', 'integer', doc['ReplicaSetStatus.replicas']),
    column('Ready', 'integer', doc['ReplicaSetStatus.readyReplicas']),
    ageColumn(),
    ...templateColumns(doc['ReplicaSetSpec.selector']),
  ],
  cells(obj: KObject, now: Date) {
    const rs = obj as unknown as ReplicaSet;
    return [
      obj.metadata.name ?? '',
      int(rs.spec?.replicas),
      int(rs.status?.replicas),
      int(rs.status?.readyReplicas),
      ageOf(obj.metadata.creationTimestamp, now),
      ...containerCells(rs.spec?.template?.spec?.containers),
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};
