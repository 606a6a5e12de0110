import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQualifiedName, nameIsPathSegment } from './names.js';

const NAME_PART_REGEX =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

test('an empty qualified-name part is reported as empty and as not matching the pattern', () => {
  assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty', NAME_PART_REGEX]);
  assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', NAME_PART_REGEX]);
  assert.deepEqual(isQualifiedName('example.com/app'), []);
});

test('path-segment names: a generateName prefix may be "." or "..", but never contain / or %', () => {
  assert.deepEqual(nameIsPathSegment('..', false), ["may not be '..'"]);
  assert.deepEqual(nameIsPathSegment('..', true), []);
  assert.deepEqual(nameIsPathSegment('.', true), []);
  assert.deepEqual(nameIsPathSegment('a/b%', true), ["may not contain '/'", "may not contain '%'"]);
  assert.deepEqual(nameIsPathSegment('a/b%', false), ["may not contain '/'", "may not contain '%'"]);
});
