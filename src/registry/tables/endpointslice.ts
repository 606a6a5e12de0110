// `kubectl get endpointslices`: address family, then the first few ports and addresses.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, nameColumn } from './common.js';
import { doc } from './docs.js';

const SHOWN = 3;

function firstFew(items: string[]): string {
  if (items.length > SHOWN) return `${items.slice(0, SHOWN).join(',')} + ${items.length - SHOWN} more...`;
  return items.join(',') || '<unset>';
}

export const endpointSliceTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', doc['EndpointSlice.addressType']),
    column('Ports', 'string', doc['EndpointSlice.ports']),
    column('Endpoints', 'string', doc['EndpointSlice.endpoints']),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    const slice = obj as unknown as EndpointSlice;
    const ports = (slice.ports ?? []).map((p) => (p.port != null ? String(p.port) : p.name != null ? p.name : '<unset>'));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [obj.metadata.name ?? '', slice.addressType ?? '', firstFew(ports), firstFew(addresses), ageOf(obj.metadata.creationTimestamp, now)];
  },
};
