// The structural-schema machinery without a server: value validation with upstream's wording,
// pruning, defaulting, CRD validation, printer columns and JSONPath.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateValue } from './validate-value.js';
import { applyDefaults, prune } from './prune-default.js';
import { validateCrd } from './validate-crd.js';
import { evaluateJsonPath } from './json-path.js';
import { printerColumnsTable } from './printer-columns.js';
import { crdToDescriptors, unknownCustomFields } from './descriptors.js';
import type { JSONSchemaProps } from './types.js';
import { validateRules } from './cel-rules.js';
import type { KObject } from '../types.js';

const lines = (errs: Array<{ field: string; message: string }>) => errs.map((e) => `${e.field}: ${e.message}`);

describe('custom object validation', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
          count: { type: 'integer', minimum: 1, exclusiveMaximum: true, maximum: 10 },
          ratio: { type: 'number', format: 'double' },
          mode: { type: 'string', enum: ['fast', 'slow'] },
          when: { type: 'string', format: 'date-time' },
          small: { type: 'integer', format: 'int32' },
          port: { 'x-kubernetes-int-or-string': true },
          tags: { type: 'array', maxItems: 2, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          ports: { type: 'array', minItems: 1, items: { type: 'object', properties: { name: { type: 'string' }, n: { type: 'integer' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          maybe: { type: 'string', nullable: true },
          never: { type: 'string' },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  };

  it('accepts a valid object', () => {
    const ok = { spec: { name: 'abc', count: 9, ratio: 0.5, mode: 'fast', when: '2024-01-02T03:04:05Z', small: 5, port: 'http', tags: ['a', 'b'], ports: [{ name: 'a', n: 1 }], labels: { a: 'b' }, maybe: null, template: { apiVersion: 'v1', kind: 'Pod' } } };
    assert.deepEqual(validateValue(schema, ok, ''), []);
  });

  it('reports every rule with its path, as upstream words it', () => {
    const bad = {
      spec: {
        name: 'ABCDEFG', count: 10, mode: 'medium', when: 'yesterday', small: 3_000_000_000, port: 1.5, tags: ['a', 'a', 'b'],
        ports: [{ name: 'x' }, { name: 'x' }], labels: { a: 1 }, never: null, template: { kind: 'Pod' },
      },
    };
    assert.deepEqual(lines(validateValue(schema, bad, '')), [
      'spec.name: Too long: may not be more than 5 bytes',
      "spec.name: Invalid value: \"ABCDEFG\": spec.name in body should match '^[a-z]+$'",
      'spec.count: Invalid value: 10: spec.count in body should be less than 10',
      'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"',
      'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      'spec.small: Invalid value: 3000000000: spec.small in body must be of type int32: "3000000000"',
      'spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"',
      'spec.tags: Too many: 3: must have at most 2 items',
      'spec.tags[1]: Duplicate value: "a"',
      'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"x"}',
      'spec.labels[a]: Invalid value: "integer": spec.labels[a] in body must be of type string: "integer"',
      'spec.never: Invalid value: "null": spec.never in body must be of type string: "null"',
      'spec.template.apiVersion: Required value: must not be empty',
    ]);
    assert.deepEqual(lines(validateValue(schema, { spec: { name: 'a', count: 0 } }, '')), [
      'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long',
      'spec.count: Invalid value: 0: spec.count in body should be greater than or equal to 1',
    ]);
    assert.deepEqual(lines(validateValue(schema, { spec: {} }, '')), ['spec.name: Required value']);
    assert.deepEqual(lines(validateValue(schema, { spec: 'x' }, '')), ['spec: Invalid value: "string": spec in body must be of type object: "string"']);
  });
});

describe('pruning and defaulting', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', default: 1 },
          nested: { type: 'object', default: {}, properties: { on: { type: 'boolean', default: true } } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          items: { type: 'array', items: { type: 'object', properties: { a: { type: 'string', default: 'x' } } } },
        },
      },
    },
  };

  it('drops fields the schema does not name, keeping type meta, metadata and preserved subtrees', () => {
    const obj = { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'n', odd: 1 }, extra: 1, spec: { replicas: 2, unknown: true, free: { anything: { goes: 1 } }, items: [{ a: 'y', b: 2 }] } };
    const pruned: string[] = [];
    prune(schema, obj, '', pruned, true);
    assert.deepEqual(pruned, ['extra', 'spec.unknown', 'spec.items[0].b']);
    assert.deepEqual(obj, { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'n', odd: 1 }, spec: { replicas: 2, free: { anything: { goes: 1 } }, items: [{ a: 'y' }] } });
  });

  it('fills absent fields with defaults, nested ones included', () => {
    const obj: Record<string, unknown> = { spec: { items: [{}] } };
    applyDefaults(schema, obj);
    assert.deepEqual(obj, { spec: { replicas: 1, nested: { on: true }, items: [{ a: 'x' }] } });
  });
});

const baseCrd = (): KObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'things.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }],
  },
});

describe('CustomResourceDefinition validation', () => {
  it('accepts a valid CRD', () => assert.deepEqual(validateCrd(baseCrd()), []));

  it('names, group, scope and versions', () => {
    const crd = baseCrd();
    const spec = crd.spec as Record<string, any>;
    crd.metadata.name = 'wrong.example.com';
    spec.group = 'example';
    spec.scope = 'Everywhere';
    spec.names.shortNames = ['Bad_Name'];
    spec.names.listKind = 'Thing';
    spec.versions.push({ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } });
    const out = lines(validateCrd(crd));
    assert.ok(out.includes('metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group'), out.join('\n'));
    assert.ok(out.includes('spec.group: Invalid value: "example": should be a domain with at least one dot'));
    assert.ok(out.includes('spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced"'));
    assert.ok(out.some((l) => l.startsWith('spec.names.shortNames[0]: Invalid value: "Bad_Name": a DNS-1035 label')));
    assert.ok(out.includes('spec.names.listKind: Invalid value: "Thing": kind and listKind may not be the same'));
    assert.ok(out.some((l) => /^spec\.versions: Invalid value: .*: must contain unique version names$/.test(l)));
    assert.ok(out.some((l) => /^spec\.versions: Invalid value: .*: must have exactly one version marked as storage version$/.test(l)));
  });

  it('structural schema rules', () => {
    const crd = baseCrd();
    const v = (crd.spec as Record<string, any>).versions[0];
    v.schema.openAPIV3Schema = {
      properties: {
        spec: { properties: { list: { type: 'array' }, both: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }, n: { type: 'integer', default: 'x' } } },
        metadata: { type: 'object', properties: { labels: { type: 'object' } } },
      },
    };
    assert.deepEqual(lines(validateCrd(crd)), [
      'spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root',
      'spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items: Required value: must be specified',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[both].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[n].default: Invalid value: "string": default in body must be of type integer: "string"',
    ]);
    delete v.schema;
    assert.deepEqual(lines(validateCrd(crd)), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
  });

  it('scale paths and printer columns', () => {
    const crd = baseCrd();
    const v = (crd.spec as Record<string, any>).versions[0];
    v.subresources = { scale: { specReplicasPath: '.status.replicas', statusReplicasPath: 'status.replicas' } };
    v.additionalPrinterColumns = [{ name: 'X', type: 'text', jsonPath: '.spec.x' }];
    assert.deepEqual(lines(validateCrd(crd)), [
      'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
      'spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with .',
      'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
    ]);
  });
});

describe('printer columns', () => {
  it('evaluates the JSONPath forms printer columns use', () => {
    const obj = { status: { conditions: [{ type: 'A', status: 'False' }, { type: 'Ready', status: 'True' }] }, spec: { list: [{ n: 1 }, { n: 2 }], 'odd.key': 'v' } };
    assert.deepEqual(evaluateJsonPath('.status.conditions[?(@.type=="Ready")].status', obj), ['True']);
    assert.deepEqual(evaluateJsonPath('.spec.list[*].n', obj), [1, 2]);
    assert.deepEqual(evaluateJsonPath('.spec.list[-1].n', obj), [2]);
    assert.deepEqual(evaluateJsonPath(".spec['odd.key']", obj), ['v']);
    assert.deepEqual(evaluateJsonPath('.spec.missing', obj), []);
  });

  it('Name first, then the columns; Age by default; dates as ages', () => {
    const now = new Date('2024-01-01T01:00:00Z');
    const obj: KObject = { metadata: { name: 'x', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { n: 3, on: true } };
    const plain = printerColumnsTable(undefined);
    assert.deepEqual(plain.columns.map((c) => c.name), ['Name', 'Age']);
    assert.deepEqual(plain.cells(obj, now), ['x', '60m']);
    const t = printerColumnsTable([{ name: 'N', type: 'integer', jsonPath: '.spec.n' }, { name: 'On', type: 'boolean', jsonPath: '.spec.on', priority: 1 }, { name: 'Gone', type: 'string', jsonPath: '.spec.none' }]);
    assert.deepEqual(t.columns.map((c) => `${c.name}/${c.priority}`), ['Name/0', 'N/0', 'On/1', 'Gone/0']);
    assert.deepEqual(t.cells(obj, now), ['x', 3, true, null]);
  });
});

describe('descriptors from a CRD', () => {
  it('one per served version; others convert to the storage version; unknown fields are what pruning drops', () => {
    const crd = baseCrd();
    const spec = crd.spec as Record<string, any>;
    spec.versions.unshift({ name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } });
    spec.versions.push({ name: 'v2', served: false, storage: false, schema: { openAPIV3Schema: { type: 'object' } } });
    const ds = crdToDescriptors(crd);
    assert.deepEqual(ds.map((d) => `${d.version}:${d.conversion ? 'converted' : 'stored'}`), ['v1beta1:converted', 'v1:stored']);
    const beta = ds[0]!;
    assert.equal(beta.conversion!.toStored({ apiVersion: 'example.com/v1beta1', metadata: {} }).apiVersion, 'example.com/v1');
    assert.equal(beta.conversion!.fromStored({ apiVersion: 'example.com/v1', metadata: {} }).apiVersion, 'example.com/v1beta1');
    assert.deepEqual(unknownCustomFields(ds[1]!, { metadata: {}, spec: {}, other: 1 }), ['other']);
    assert.deepEqual(unknownCustomFields(beta, { metadata: {}, other: 1 }), []);
  });
});

describe('x-kubernetes-validations (CEL)', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
          { rule: "!has(self.name) || self.name.startsWith('app-')" },
          { rule: 'self.size() >= 1', reason: 'FieldValueForbidden', fieldPath: '.name', message: 'needs something' },
          { rule: 'self.replicas == oldSelf.replicas', message: 'transition rules are not evaluated' },
          { rule: "quantity('1Gi').isGreaterThan(quantity('1Mi'))", message: 'Kubernetes CEL libraries are not judged' },
        ],
        properties: {
          replicas: { type: 'integer' },
          maxReplicas: { type: 'integer' },
          name: { type: 'string' },
          tags: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.lowerAscii() == self', message: 'must be lower case' }] } },
        },
      },
    },
  };

  it('passes an object every rule accepts', () => {
    assert.deepEqual(validateRules(schema, { spec: { replicas: 2, maxReplicas: 3, name: 'app-x', tags: ['a'] } }, ''), []);
  });

  it('reports failed rules at their node with the message, or the rule itself', () => {
    assert.deepEqual(lines(validateRules(schema, { spec: { replicas: 4, maxReplicas: 3, name: 'web', tags: ['ok', 'Bad'] } }, '')), [
      'spec: Invalid value: "object": replicas must not exceed maxReplicas',
      "spec: Invalid value: \"object\": failed rule: !has(self.name) || self.name.startsWith('app-')",
      'spec.tags[1]: Invalid value: "string": must be lower case',
    ]);
    assert.deepEqual(lines(validateRules(schema, { spec: {} }, '')), [
      'spec: Invalid value: "object": no such key: replicas',
      'spec.name: Forbidden: needs something',
    ]);
  });

  it('a rule that does not parse is refused with the CRD', () => {
    const crd = baseCrd();
    (crd.spec as Record<string, any>).versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: 'self.x ==' }];
    const out = lines(validateCrd(crd));
    assert.equal(out.length, 1);
    assert.match(out[0]!, /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: "self\.x ==": compilation failed: /);
  });
});
