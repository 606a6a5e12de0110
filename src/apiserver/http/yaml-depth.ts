// How deep a YAML text nests, read from the lexer's tokens alone (one linear pass, no tree built), so
// that a body nested a million levels deep is refused before the parser recurses into it.
//
// Flow collections count their brackets. Block collections are counted by the columns of their
// entries: an entry (`- `, `? `, or a key followed by `:`) closes every open entry at its column or
// to its right and opens one of its own. A block sequence written at its parent key's column is
// counted with that key, so the count can be up to half the true depth; the exact limit is checked
// again on the parsed value, this pass only has to stop the hostile cases early.
import { CST, Lexer } from 'yaml';
import { maxNestingDepth } from './depth.js';

// Lexer markers that stand for no source text.
const markers = new Set(['\u0002', '\u0018', '\u001f', '\ufeff']);

/** A message when the text nests deeper than the limit, else undefined. */
export function nestingBeyond(text: string, limit = maxNestingDepth): string | undefined {
  const open: number[] = [];
  let flow = 0;
  let column = 0;
  let entryStart: number | undefined;
  const openEntry = (at: number) => {
    while (open.length > 0 && open[open.length - 1]! >= at) open.pop();
    open.push(at);
    entryStart = undefined;
  };
  for (const token of new Lexer().lex(text)) {
    if (markers.has(token)) continue;
    const type = CST.tokenType(token);
    const at = column;
    const newline = token.lastIndexOf('\n');
    column = newline >= 0 ? token.length - newline - 1 : column + token.length;
    switch (type) {
      case 'newline':
        entryStart = undefined;
        continue;
      case 'doc-start':
      case 'doc-end':
        open.length = 0;
        flow = 0;
        continue;
      case 'space':
      case 'comment':
        continue;
      case 'flow-seq-start':
      case 'flow-map-start':
        entryStart ??= at;
        flow++;
        break;
      case 'flow-seq-end':
      case 'flow-map-end':
        flow = Math.max(0, flow - 1);
        continue;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (flow === 0) openEntry(at);
        break;
      case 'map-value-ind':
        if (flow === 0) openEntry(entryStart ?? at);
        break;
      default:
        entryStart ??= at;
    }
    if (open.length + flow > limit) return `the request body nests deeper than ${limit} levels`;
  }
  return undefined;
}
