// Custom resources have no protobuf form (upstream has no Go types to generate one from): a
// protobuf body is refused with 415 as kube-apiserver does; answers fall back to JSON as they do
// for any client that also accepts JSON (client-go always does).
import type { IncomingMessage } from 'node:http';
import { customResourceInfo } from '../../registry/crd/descriptors.js';
import type { ResourceDescriptor } from '../../registry/types.js';
import { errors } from '../errors.js';

export function refuseProtobufForCustomResource(d: ResourceDescriptor, req: IncomingMessage): void {
  if (!customResourceInfo(d)) return;
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/vnd.kubernetes.protobuf') {
    throw errors.unsupportedMediaType('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
  }
}
