// A manifest file as the objects it holds: multi-document YAML (JSON is YAML too), empty documents
// and comments ignored, `kind: List` expanded. A syntax error anywhere rejects the whole file (what
// follows a broken document cannot be trusted); a document that is not an object with apiVersion,
// kind and metadata.name is reported by its number and the others still go.
import { parseDocument } from 'yaml';
import type { KObject } from '../../registry/types.js';

/** An object as a manifest must give it: apiVersion, kind and name set. */
export type ManifestObject = KObject & { apiVersion: string; kind: string };

export interface ManifestDocument {
  /** 1-based position in the file, as a user counts `---` sections; `3.2` is item 2 of a List. */
  index: string;
  object?: ManifestObject;
  error?: string;
}

export class ManifestSyntaxError extends Error {
  constructor(readonly index: number, readonly line: number | undefined, detail: string) {
    super(`document ${index}${line ? ` (line ${line})` : ''}: ${detail}`);
  }
}

function checkObject(value: unknown): { object?: ManifestObject; error?: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'not an object (expected a mapping with apiVersion, kind and metadata)' };
  const o = value as Record<string, unknown>;
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) return { error: 'apiVersion is not set' };
  if (typeof o.kind !== 'string' || !o.kind) return { error: 'kind is not set' };
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object' || typeof meta.name !== 'string' || !meta.name) {
    return { error: `${o.kind}: metadata.name is not set (generateName cannot be applied again)` };
  }
  return { object: o as unknown as ManifestObject };
}

/** Documents as kubectl splits them: at lines of `---`, which may carry only a comment after it.
 *  Numbering counts every section, empty or not, so "document 3" is the third a user sees. */
function splitDocuments(text: string): Array<{ text: string; firstLine: number }> {
  const out: Array<{ text: string; firstLine: number }> = [];
  let current: string[] = [];
  let firstLine = 1;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (/^---\s*(#.*)?$/.test(line.replace(/\r$/, ''))) {
      out.push({ text: current.join('\n'), firstLine });
      current = [];
      firstLine = i + 2;
    } else current.push(line);
  });
  out.push({ text: current.join('\n'), firstLine });
  return out;
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

export function parseManifest(text: string): ManifestDocument[] {
  const out: ManifestDocument[] = [];
  splitDocuments(text).forEach((chunk, i) => {
    const doc = parseDocument(chunk.text, { prettyErrors: false });
    const err = doc.errors[0];
    if (err) throw new ManifestSyntaxError(i + 1, chunk.firstLine + lineAt(chunk.text, err.pos[0]) - 1, err.message.split('\n')[0]!);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new ManifestSyntaxError(i + 1, chunk.firstLine, (e as Error).message); // e.g. an alias bomb
    }
    if (value === null || value === undefined) return; // empty, or only comments
    const index = String(i + 1);
    const v = value as Record<string, unknown>;
    if (typeof v === 'object' && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) {
      v.items.forEach((item, j) => out.push({ index: `${index}.${j + 1}`, ...checkObject(item) }));
      return;
    }
    out.push({ index, ...checkObject(value) });
  });
  return out;
}
