// `kubectl get roles|clusterroles|rolebindings|clusterrolebindings`: upstream prints a role's
// creation time (not its age) and a binding's role, with its subjects only under -o wide.
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, nameColumn } from './common.js';
import { doc } from './docs.js';

interface Subject { kind?: string; name?: string; namespace?: string }

export const roleTable: TableConvertor = {
  columns: [nameColumn(), column('Created At', 'date', doc['ObjectMeta.creationTimestamp'])],
  cells(obj: KObject) {
    const created = obj.metadata.creationTimestamp ? new Date(obj.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
    return [obj.metadata.name ?? '', created];
  },
};

const ROLE_REF_DOC = 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';

function bindingTable(what: string): TableConvertor {
  return {
    columns: [
      nameColumn(),
      column('Role', 'string', ROLE_REF_DOC),
      ageColumn(),
      column('Users', 'string', `Users in the ${what}`, { wide: true }),
      column('Groups', 'string', `Groups in the ${what}`, { wide: true }),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, { wide: true }),
    ],
    cells(obj: KObject, now: Date) {
      const ref = (obj.roleRef ?? {}) as { kind?: string; name?: string };
      const subjects = Array.isArray(obj.subjects) ? (obj.subjects as Subject[]) : [];
      const names = (kind: string) => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name ?? ''}` : s.name ?? '')).join(', ');
      return [obj.metadata.name ?? '', `${ref.kind ?? ''}/${ref.name ?? ''}`, ageOf(obj.metadata.creationTimestamp, now), names('User'), names('Group'), names('ServiceAccount')];
    },
  };
}

export const roleBindingTable = bindingTable('roleBinding');
export const clusterRoleBindingTable = bindingTable('clusterRoleBinding');
