import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedFieldNames, escapeFieldValue, fieldSetOf, parseFieldSelector, requiredFieldValue } from './field.js';
import { SelectorError } from './label.js';

const pod = { 'metadata.name': 'web-1', 'metadata.namespace': 'default', 'spec.nodeName': 'n1', 'status.phase': 'Running' };

test('empty selector matches everything', () => {
  const sel = parseFieldSelector('');
  assert.equal(sel.empty, true);
  assert.equal(sel.matches({}), true);
});

test('=, == and != terms, comma-joined', () => {
  assert.deepEqual(parseFieldSelector('status.phase!=Failed,spec.nodeName==n1,metadata.name=web-1').requirements, [
    { field: 'metadata.name', op: '=', value: 'web-1' },
    { field: 'spec.nodeName', op: '==', value: 'n1' },
    { field: 'status.phase', op: '!=', value: 'Failed' },
  ]);
  assert.equal(parseFieldSelector('spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed').matches(pod), true);
  assert.equal(parseFieldSelector('status.phase!=Running').matches(pod), false);
  assert.equal(parseFieldSelector('spec.nodeName=').matches(pod), false);
  assert.equal(parseFieldSelector('spec.nodeName=').matches({ 'metadata.name': 'x' }), true, 'an absent field is ""');
});

test('describe-style involvedObject selector', () => {
  const sel = parseFieldSelector('involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=u1,involvedObject.kind=Deployment');
  const ev = { 'involvedObject.name': 'web', 'involvedObject.namespace': 'default', 'involvedObject.uid': 'u1', 'involvedObject.kind': 'Deployment' };
  assert.equal(sel.matches(ev), true);
  assert.equal(sel.matches({ ...ev, 'involvedObject.uid': 'u2' }), false);
});

test('backslash escapes in values', () => {
  const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,spec.nodeName=n1');
  assert.deepEqual(sel.requirements[0], { field: 'metadata.name', op: '=', value: 'a,b=c\\d' });
  assert.equal(sel.requirements.length, 2);
  assert.equal(escapeFieldValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  assert.equal(sel.string, 'metadata.name=a\\,b\\=c\\\\d,spec.nodeName=n1');
});

test('errors use upstream wording', () => {
  const msg = (s: string, allowed?: string[]) => {
    try {
      parseFieldSelector(s, { allowedFields: allowed });
    } catch (e) {
      assert.ok(e instanceof SelectorError);
      return e.message;
    }
    assert.fail('parsed');
  };
  assert.equal(msg('metadata.name'), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  assert.equal(msg('a=b,c'), "invalid selector: 'a=b,c'; can't understand 'c'");
  assert.equal(msg('a=b\\x'), 'invalid field selector: invalid escape sequence: \\x');
  assert.equal(msg('a=b\\'), 'invalid field selector: invalid escape sequence: \\');
  assert.equal(msg('a=b=c'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(msg('foo=bar', ['metadata.name']), 'field label not supported: foo');
  assert.equal(msg('status.phase =x', ['status.phase']), 'field label not supported: status.phase ');
});

test('allowed names come from the descriptor plus metadata.name/namespace', () => {
  const d = { selectableFields: (o: { metadata: object; spec?: unknown }) => ({ 'spec.nodeName': String((o.spec as { nodeName?: string })?.nodeName ?? '') }) };
  assert.deepEqual(allowedFieldNames(d as never).sort(), ['metadata.name', 'metadata.namespace', 'spec.nodeName']);
  assert.deepEqual(allowedFieldNames({}), ['metadata.name', 'metadata.namespace']);
  const set = fieldSetOf(d as never, { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1' } });
  assert.deepEqual(set, { 'metadata.name': 'p', 'metadata.namespace': 'ns', 'spec.nodeName': 'n1' });
  assert.equal(parseFieldSelector('spec.nodeName=n1', { allowedFields: allowedFieldNames(d as never) }).matches(set), true);
});

test('requiredFieldValue finds the pinned name', () => {
  assert.equal(requiredFieldValue(parseFieldSelector('metadata.name=x'), 'metadata.name'), 'x');
  assert.equal(requiredFieldValue(parseFieldSelector('metadata.name!=x'), 'metadata.name'), undefined);
});
