import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestSyntaxError, parseManifest } from './documents.js';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('parseManifest', () => {
  it('reads every document of a multi-document file, skipping empty ones and comments', () => {
    const docs = parseManifest(`# header\n---\n${cm('a')}---\n---\n# only a comment\n---\n${cm('b')}`);
    assert.deepEqual(docs.map((d) => [d.index, d.object?.metadata.name]), [['2', 'a'], ['5', 'b']]);
  });

  it('reads JSON, and expands a List into its items', () => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }, { kind: 'ConfigMap' }] });
    const docs = parseManifest(list);
    assert.equal(docs[0]!.index, '1.1');
    assert.equal(docs[0]!.object?.kind, 'Secret');
    assert.deepEqual(docs[1], { index: '1.2', error: 'apiVersion is not set' });
  });

  it('a document without kind, name or a mapping is reported by its number; the others stay', () => {
    const docs = parseManifest(`${cm('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-\n---\n- a list\n---\napiVersion: v1\n`);
    assert.equal(docs[0]!.object?.metadata.name, 'a');
    assert.deepEqual(docs.slice(1), [
      { index: '2', error: 'ConfigMap: metadata.name is not set (generateName cannot be applied again)' },
      { index: '3', error: 'not an object (expected a mapping with apiVersion, kind and metadata)' },
      { index: '4', error: 'kind is not set' },
    ]);
  });

  it('a YAML syntax error rejects the file, naming the document and the line', () => {
    assert.throws(() => parseManifest(`${cm('a')}---\nkind: ConfigMap\n  data: [oops\n`), (err: unknown) => {
      assert.ok(err instanceof ManifestSyntaxError);
      assert.equal(err.index, 2);
      assert.equal(err.line, 6); // where the broken mapping starts
      assert.match(err.message, /^document 2 \(line 6\): /);
      return true;
    });
  });

  it('a billion-laughs alias bomb is refused, not expanded', () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`;
    assert.throws(() => parseManifest(bomb), /alias/i);
  });
});
