import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelSelectorFromObject, parseLabelSelector, SelectorError } from './label.js';

const web = { app: 'web', tier: 'a', version: '3' };

function matches(sel: string, labels: Record<string, string> | undefined): boolean {
  return parseLabelSelector(sel).matches(labels);
}

function parseError(sel: string): string {
  try {
    parseLabelSelector(sel);
  } catch (e) {
    assert.ok(e instanceof SelectorError, `expected SelectorError, got ${e}`);
    return e.message;
  }
  assert.fail(`selector ${JSON.stringify(sel)} parsed`);
}

test('empty selector matches everything, including objects without labels', () => {
  for (const s of ['', '   ']) {
    const sel = parseLabelSelector(s);
    assert.equal(sel.empty, true);
    assert.equal(sel.string, '');
    assert.equal(sel.matches(undefined), true);
    assert.equal(sel.matches(web), true);
  }
});

test('equality forms', () => {
  assert.equal(matches('app=web', web), true);
  assert.equal(matches('app==web', web), true);
  assert.equal(matches('app=db', web), false);
  assert.equal(matches('app!=db', web), true);
  assert.equal(matches('app!=web', web), false);
  assert.equal(matches('missing!=x', web), true, '!= matches when the key is absent');
  assert.equal(matches('app=web', undefined), false);
  assert.equal(matches('app=', { app: '' }), true, 'empty value');
  assert.equal(matches('app=', web), false);
});

test('set forms', () => {
  assert.equal(matches('tier in (a,b)', web), true);
  assert.equal(matches('tier in (b,c)', web), false);
  assert.equal(matches('tier notin (b)', web), true);
  assert.equal(matches('tier notin (a)', web), false);
  assert.equal(matches('missing notin (a)', web), true);
  assert.equal(matches('missing in (a)', web), false);
  assert.equal(matches('tier in ()', { tier: '' }), true, '() holds the empty value');
  assert.equal(matches('tier in (,a)', { tier: '' }), true);
  assert.equal(matches('tier in (a,)', { tier: '' }), true);
  assert.equal(matches('x in (in,notin)', { x: 'notin' }), true, 'keywords are values inside ()');
  assert.equal(matches('in in (a)', { in: 'a' }), true, 'keywords may be keys');
});

test('existence forms', () => {
  assert.equal(matches('app', web), true);
  assert.equal(matches('db', web), false);
  assert.equal(matches('!db', web), true);
  assert.equal(matches('!app', web), false);
  assert.equal(matches('!app', undefined), true);
});

test('numeric comparisons', () => {
  assert.equal(matches('version>2', web), true);
  assert.equal(matches('version<2', web), false);
  assert.equal(matches('app>2', web), false, 'non-numeric label never matches');
});

test('comma-joined requirements are ANDed, with whitespace anywhere between tokens', () => {
  assert.equal(matches('app=web,tier in (a, b),!canary', web), true);
  assert.equal(matches(' app = web ,\ttier  notin(a) ', web), false);
  assert.equal(matches('app = web , version', web), true);
});

test('canonical string: sorted by key, values sorted, operators spelled as upstream', () => {
  assert.equal(parseLabelSelector('tier in (b,a),app=web').string, 'app=web,tier in (a,b)');
  assert.equal(parseLabelSelector('b notin (y,x),!a,c==1,d!=2,e,f>3').string, '!a,b notin (x,y),c==1,d!=2,e,f>3');
  assert.equal(parseLabelSelector('x in (a,a,b)').string, 'x in (a,b)');
  assert.equal(parseLabelSelector('example.com/role=db').string, 'example.com/role=db');
});

test('syntax errors use upstream wording', () => {
  assert.equal(parseError('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  assert.equal(parseError('a=b,'), "found '', expected: identifier after ','");
  assert.equal(parseError('a=b,,c'), "found ',', expected: identifier after ','");
  assert.equal(parseError('=a'), "found '=', expected: !, identifier, or 'end of string'");
  assert.equal(parseError('a=b c'), "found 'c', expected: ',' or 'end of string'");
  assert.equal(parseError('a in x'), "unable to parse requirement: found 'x' expected: '('");
  assert.equal(parseError('a in (x'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(parseError('a in (x y)'), "unable to parse requirement: found 'y', expected: ',' or ')'");
  assert.equal(parseError('a in (=)'), "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  assert.equal(parseError('a==='), "unable to parse requirement: found '=', expected: identifier");
  assert.equal(parseError('!'), "unable to parse requirement: found '', expected: identifier");
  assert.equal(parseError('!a=b'), "found '=', expected: ',' or 'end of string'");
});

test('invalid keys and values are reported like upstream validation', () => {
  assert.equal(
    parseError('a$=b'),
    'unable to parse requirement: <nil>: Invalid value: "a$": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
  );
  assert.match(parseError('app=we$b'), /^unable to parse requirement: values\[0\]\[app\]: Invalid value: "we\$b": a valid label must be an empty string or consist of/);
  assert.match(parseError(`app=${'x'.repeat(64)}`), /values\[0\]\[app\]: Invalid value: "x+": must be no more than 63 characters/);
  assert.match(parseError('Bad_Prefix/app=x'), /<nil>: Invalid value: "Bad_Prefix\/app": prefix part a lowercase RFC 1123 subdomain/);
  assert.match(parseError('a/b/c'), /a qualified name must consist of .* with an optional DNS subdomain prefix and '\/'/);
  assert.match(parseError(`${'k'.repeat(64)}`), /name part must be no more than 63 characters/);
  assert.match(parseError('n>x'), /values\[0\]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer/);
});

test('labelSelectorFromObject: matchLabels and matchExpressions', () => {
  const sel = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['b', 'a'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'zone', operator: 'NotIn', values: ['z1'] },
      { key: 'version', operator: 'Exists' },
    ],
  });
  assert.equal(sel.string, 'app=web,!canary,tier in (a,b),version,zone notin (z1)');
  assert.equal(sel.matches(web), true);
  assert.equal(sel.matches({ ...web, canary: 'y' }), false);
  assert.equal(sel.matches({ app: 'web', tier: 'a' }), false);
});

test('labelSelectorFromObject: {} selects everything, null selects nothing', () => {
  assert.equal(labelSelectorFromObject({}).matches(undefined), true);
  assert.equal(labelSelectorFromObject({}).string, '');
  assert.equal(labelSelectorFromObject(null).matches(web), false);
  assert.equal(labelSelectorFromObject(undefined).matches(undefined), false);
});

test('labelSelectorFromObject: invalid operators and values throw', () => {
  assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), {
    name: 'SelectorError',
    message: '"Gt" is not a valid label selector operator',
  });
  assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), {
    message: "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
  });
  assert.throws(() => labelSelectorFromObject({ matchLabels: { 'a b': 'x' } }), /^SelectorError: key: Invalid value: "a b"/);
});
