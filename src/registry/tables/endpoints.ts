// `kubectl get endpoints`: the first few ready ip:port pairs and how many more there are.
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, nameColumn } from './common.js';
import { doc } from './docs.js';

const SHOWN = 3;

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let total = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    // Headless services without ports list bare addresses.
    const ports = ss.ports && ss.ports.length > 0 ? ss.ports.map((p) => p.port) : [undefined];
    for (const port of ports) {
      total += addrs.length;
      for (const a of addrs) {
        if (shown.length === SHOWN) break;
        shown.push(port === undefined ? a.ip : hostPort(a.ip, port));
      }
    }
  }
  const text = shown.join(',');
  return total > SHOWN ? `${text} + ${total - SHOWN} more...` : text;
}

export const endpointsTable: TableConvertor = {
  columns: [nameColumn(), column('Endpoints', 'string', doc['Endpoints.subsets']), ageColumn()],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', formatEndpoints(obj as unknown as Endpoints), ageOf(obj.metadata.creationTimestamp, now)];
  },
};
