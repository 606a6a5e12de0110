import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldError } from './field-errors.js';

const line = (e: { field: string; message: string }) => `${e.field}: ${e.message}`;

test('NotFound and TooMany read as kubectl prints them', () => {
  assert.equal(line(fieldError.notFound('spec.containers[0].volumeMounts[0].name', 'data')), 'spec.containers[0].volumeMounts[0].name: Not found: "data"');
  assert.equal(line(fieldError.tooMany('ports', 101, 100)), 'ports: Too many: 101: must have at most 100 items');
  assert.equal(fieldError.tooMany('x', 2, 1).message, 'Too many: 2: must have at most 1 item');
  assert.equal(fieldError.tooMany('x', 2, 1).reason, 'FieldValueTooMany');
});

test('Go-rendered values are shown as given, unquoted', () => {
  assert.equal(fieldError.invalidGo('spec.selector', 'map[string]string{"a":"b"}', 'field is immutable').message,
    'Invalid value: map[string]string{"a":"b"}: field is immutable');
  const dup = fieldError.duplicateGo('spec.taints[1]', 'core.Taint{Key:"k"}', 'taints must be unique by key and effect pair');
  assert.equal(dup.reason, 'FieldValueDuplicate');
  assert.equal(dup.message, 'Duplicate value: core.Taint{Key:"k"}: taints must be unique by key and effect pair');
});
