// `kubectl get deployments`: READY as ready/desired, then rollout progress counts.
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, containerCells, formatLabelSelector, int, nameColumn, templateColumns } from './common.js';
import { doc } from './docs.js';

export const deploymentTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', doc['DeploymentStatus.updatedReplicas']),
    column('Available', 'string', doc['DeploymentStatus.availableReplicas']),
    ageColumn(),
    ...templateColumns(doc['DeploymentSpec.selector']),
  ],
  cells(obj: KObject, now: Date) {
    const d = obj as unknown as Deployment;
    const st = d.status ?? {};
    return [
      obj.metadata.name ?? '',
      `${int(st.readyReplicas)}/${int(d.spec?.replicas)}`,
      int(st.updatedReplicas),
      int(st.availableReplicas),
      ageOf(obj.metadata.creationTimestamp, now),
      ...containerCells(d.spec?.template?.spec?.containers),
      formatLabelSelector(d.spec?.selector),
    ];
  },
};
