// A protobuf body for a custom resource is a 415 with upstream's list of what is taken instead;
// built-in kinds keep taking protobuf.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { refuseProtobufForCustomResource } from './media-types.js';
import { crdToDescriptors } from '../../registry/crd/descriptors.js';
import { findByResource } from '../../registry/index.js';
import { ApiError } from '../errors.js';

const req = (contentType: string) => ({ headers: { 'content-type': contentType } }) as unknown as IncomingMessage;
const [cr] = crdToDescriptors({
  metadata: { name: 'things.example.com' },
  spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
});

describe('media types of custom resources', () => {
  it('refuses protobuf bodies with 415', () => {
    assert.throws(
      () => refuseProtobufForCustomResource(cr!, req('application/vnd.kubernetes.protobuf')),
      (err: unknown) => err instanceof ApiError && err.code === 415 && err.message === 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
    );
  });
  it('takes JSON and YAML, and leaves built-in kinds alone', () => {
    refuseProtobufForCustomResource(cr!, req('application/json'));
    refuseProtobufForCustomResource(cr!, req('application/yaml'));
    refuseProtobufForCustomResource(findByResource('', 'v1', 'configmaps')!, req('application/vnd.kubernetes.protobuf'));
  });
});
