#!/usr/bin/env node
// Regenerates data/openapi/schemas.json.gz: the OpenAPI schemas (with upstream's field descriptions)
// of every built-in kind the server serves, and of everything those schemas refer to.
//
// Source: the `kubernetes-types` npm package (a devDependency), TypeScript declarations generated
// from upstream's published OpenAPI document; each interface is one definition, its doc comments
// are the descriptions, optional members are the not-required fields. We read it with the
// TypeScript compiler's parser, so nothing here is hand-edited. Pruned to the kinds in the compiled
// registry (run `npx tsc -p tsconfig.json` first), their list kinds, their subresource kinds and the
// meta types every group version document names; then written as one gzip'd JSON file.
//
//   node scripts/vendor-openapi-schemas.mjs [path/to/kubernetes-types]
//
// Fields and types the server serves that the package's release predates come from the server's
// field tables, typed and undescribed (listed in the data's `addedFromFieldTables`).
// What TypeScript declarations cannot say is added when the documents are served
// (src/apiserver/openapi/vendored-schemas.ts): patch strategies from src/registry/patch-meta.ts.
// Numbers are written `integer`: every number field of the served kinds is a Go integer.
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(process.argv[2] ?? join(root, 'node_modules/kubernetes-types'));
const out = join(root, 'data/openapi/schemas.json.gz');
const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));

/** Module path inside the package (`apps/v1`, `meta/v1`) → upstream's definition-name prefix. */
function prefixOf(module) {
  if (module === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (module === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (module === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (module === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (module.startsWith('apiextensions/')) return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${module.split('/')[1]}`;
  return `io.k8s.api.${module.replace('/', '.')}`;
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
}

const docOf = (node) => {
  const text = (node.jsDoc ?? []).map((d) => (typeof d.comment === 'string' ? d.comment : (d.comment ?? []).map((c) => c.text).join(''))).join('\n');
  return text.trim();
};

const definitions = {};
for (const file of walk(source)) {
  const module = relative(source, file).replace(/\.d\.ts$/, '');
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  // Imported names → the prefix of the module they come from.
  const scope = new Map();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const from = join(dirname(module), st.moduleSpecifier.text).replace(/^\.\//, '');
    for (const el of st.importClause?.namedBindings?.elements ?? []) scope.set(el.name.text, prefixOf(from));
  }
  const prefix = prefixOf(module);
  const nameOf = (id) => `${scope.get(id) ?? prefix}.${id}`;

  const schemaOf = (t) => {
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword: return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword: return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
      case ts.SyntaxKind.AnyKeyword: case ts.SyntaxKind.UnknownKeyword: case ts.SyntaxKind.ObjectKeyword:
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      case ts.SyntaxKind.LiteralType: return { type: 'string' };
      case ts.SyntaxKind.ArrayType: return { type: 'array', items: schemaOf(t.elementType) };
      case ts.SyntaxKind.ParenthesizedType: return schemaOf(t.type);
      case ts.SyntaxKind.TypeLiteral: {
        const index = t.members.find((m) => ts.isIndexSignatureDeclaration(m));
        if (index) return { type: 'object', additionalProperties: schemaOf(index.type) };
        return { type: 'object' };
      }
      case ts.SyntaxKind.UnionType: {
        const kinds = t.types.map((u) => u.kind);
        if (kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
        if (t.types.every((u) => u.kind === ts.SyntaxKind.LiteralType)) return { type: 'string' };
        return { 'x-kubernetes-preserve-unknown-fields': true };
      }
      case ts.SyntaxKind.TypeReference: {
        const id = t.typeName.getText(sf);
        if (id === 'Array') return { type: 'array', items: schemaOf(t.typeArguments[0]) };
        if (id === 'Record') return { type: 'object', additionalProperties: schemaOf(t.typeArguments[1]) };
        return { $ref: `#/components/schemas/${nameOf(id)}` };
      }
      default:
        throw new Error(`${module}: no schema for a ${ts.SyntaxKind[t.kind]}`);
    }
  };

  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st)) {
      const properties = {};
      const required = [];
      let apiVersion;
      let kind;
      for (const m of st.members) {
        if (!ts.isPropertySignature(m) || !m.type) continue;
        const name = m.name.getText(sf).replace(/^"|"$/g, '');
        const s = schemaOf(m.type);
        const description = docOf(m);
        properties[name] = description ? { ...s, description } : s;
        if (!m.questionToken) required.push(name);
        if (ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal)) {
          if (name === 'apiVersion') apiVersion = m.type.literal.text;
          if (name === 'kind') kind = m.type.literal.text;
        }
      }
      const def = { description: docOf(st), type: 'object' };
      if (Object.keys(properties).length) def.properties = Object.fromEntries(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : 1)));
      if (required.length) def.required = required.sort();
      if (apiVersion && kind) {
        const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
        def['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
      }
      if (!def.description) delete def.description;
      definitions[`${prefix}.${st.name.text}`] = def;
    } else if (ts.isTypeAliasDeclaration(st)) {
      const s = schemaOf(st.type);
      const name = st.name.text;
      // Upstream's formats for the aliased scalars.
      if (name === 'Time') s.format = 'date-time';
      if (name === 'MicroTime') s.format = 'date-time';
      const description = docOf(st);
      definitions[`${prefix}.${name}`] = description ? { description, ...s } : s;
    }
  }
}

// Which kinds are served: the compiled registry and the metrics descriptors beside it.
const dist = join(root, 'dist/src');
const { descriptors } = await import(pathToFileURL(join(dist, 'registry/index.js')).href);
const { metricsDescriptors } = await import(pathToFileURL(join(dist, 'apiserver/metrics/descriptors.js')).href);
const byGVK = new Map();
for (const [name, def] of Object.entries(definitions)) for (const g of def['x-kubernetes-group-version-kind'] ?? []) byGVK.set(`${g.group}/${g.version}/${g.kind}`, name);

const roots = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
]);
const missing = [];
const want = (group, version, kind) => {
  const name = byGVK.get(`${group}/${version}/${kind}`);
  if (name) roots.add(name);
  else missing.push(`${group}/${version}/${kind}`);
};
for (const d of [...descriptors, ...metricsDescriptors]) {
  want(d.group, d.version, d.kind);
  want(d.group, d.version, d.listKind);
  if (d.subresources?.scale) want('autoscaling', 'v1', 'Scale');
  for (const o of d.subresources?.other ?? []) want(o.group, o.version, o.kind);
}

// Fields the server serves that the package's (older) release lacks: added from the server's own
// field tables (src/registry/fields), typed but undescribed, so explain lists them and the
// documents name every field the server accepts. Listed in the data's `addedFromFieldTables`.
const { fieldsOf, rootType } = await import(pathToFileURL(join(dist, 'registry/fields/schema.js')).href);
const added = new Set();
const prefixOfDef = (name) => name.slice(0, name.lastIndexOf('.'));
const REF = '#/components/schemas/';
const scalar = {
  string: { type: 'string' }, int: { type: 'integer', format: 'int32' }, int64: { type: 'integer', format: 'int64' }, bool: { type: 'boolean' },
  number: { type: 'number', format: 'double' }, bytes: { type: 'string', format: 'byte' }, any: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  intOrString: { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true },
  quantity: { $ref: `${REF}io.k8s.apimachinery.pkg.api.resource.Quantity` }, time: { $ref: `${REF}io.k8s.apimachinery.pkg.apis.meta.v1.Time` },
};
/** Field-table type names that differ from upstream's. */
const UPSTREAM_NAME = { CrdValidationRule: 'ValidationRule' };
const fromTable = (ft, prefix) => {
  if (typeof ft === 'string') return { ...scalar[ft] };
  if ('list' in ft) return { type: 'array', items: fromTable(ft.list, prefix) };
  if ('map' in ft) return { type: 'object', additionalProperties: fromTable(ft.map, prefix) };
  const name = `${prefix}.${UPSTREAM_NAME[ft.object] ?? ft.object}`;
  if (!definitions[name]) {
    definitions[name] = { type: 'object', properties: {} };
    added.add(name);
    for (const [f, t] of [...fieldsOf(ft.object)].sort(([a], [b]) => (a < b ? -1 : 1))) definitions[name].properties[f] = fromTable(t, prefix);
  }
  return { $ref: `${REF}${name}` };
};
const walked = new Set();
const complete = (tableType, defName) => {
  const key = `${tableType}>${defName}`;
  const fields = fieldsOf(tableType);
  const def = definitions[defName];
  if (walked.has(key) || !fields || !def) return;
  walked.add(key);
  def.properties ??= {};
  for (const [f, t] of fields) {
    if (!def.properties[f]) {
      def.properties[f] = fromTable(t, prefixOfDef(defName));
      added.add(`${defName}.${f}`);
      continue;
    }
    let inner = t;
    while (typeof inner === 'object' && !('object' in inner)) inner = inner.list ?? inner.map;
    const p = def.properties[f];
    const ref = p.$ref ?? p.items?.$ref ?? p.additionalProperties?.$ref;
    if (typeof inner === 'object' && ref) complete(inner.object, ref.replace(REF, ''));
  }
};
for (const d of descriptors) {
  const name = byGVK.get(`${d.group}/${d.version}/${d.kind}`);
  const table = rootType(d.group, d.kind, d.version);
  if (name && table) complete(table, name);
}

const kept = {};
const visit = (name) => {
  if (kept[name]) return;
  const def = definitions[name];
  if (!def) throw new Error(`${name} is referred to but not declared in ${pkg.name}`);
  kept[name] = def;
  JSON.stringify(def, (k, v) => {
    if (k === '$ref' && typeof v === 'string') visit(v.replace('#/components/schemas/', ''));
    return v;
  });
};
for (const name of [...roots].sort()) visit(name);

const data = {
  source: `${pkg.name}@${pkg.version}`,
  note: 'Generated by scripts/vendor-openapi-schemas.mjs; do not edit.',
  // Served kinds the package does not declare: they keep open schemas (a test checks the list is current).
  absent: [...new Set(missing)].sort(),
  addedFromFieldTables: [...added].filter((a) => kept[a] || kept[a.slice(0, a.lastIndexOf('.'))]).sort(),
  definitions: Object.fromEntries(Object.entries(kept).sort(([a], [b]) => (a < b ? -1 : 1))),
};
const json = JSON.stringify(data);
mkdirSync(dirname(out), { recursive: true });
// mtime 0 in the gzip header keeps the file byte-identical across runs.
writeFileSync(out, gzipSync(json, { level: 9 }));
console.log(`${relative(root, out)}: ${Object.keys(kept).length} definitions from ${data.source} (${data.addedFromFieldTables.length} fields and types added from the field tables), ${json.length} bytes of JSON, ${gzipSync(json, { level: 9 }).length} gzip'd`);
if (missing.length) console.log(`served kinds ${pkg.name} does not declare (served with open schemas): ${data.absent.join(', ')}`);
