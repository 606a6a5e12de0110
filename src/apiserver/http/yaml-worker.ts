// Runs in a worker thread: parses one YAML body at a time, so a body that is slow to parse (the
// YAML library is quadratic in some shapes) or blows the stack costs this thread, never the
// server's event loop.
import { parentPort } from 'node:worker_threads';
import { parse } from 'yaml';
import { ApiError } from '../errors.js';
import { checkDepth } from './depth.js';
import { nestingBeyond } from './yaml-depth.js';

export interface YamlRequest {
  id: number;
  text: string;
}

export type YamlAnswer = { id: number; value: unknown } | { id: number; error: string };

parentPort?.on('message', ({ id, text }: YamlRequest) => {
  let answer: YamlAnswer;
  try {
    // The lexer pass finds hostile nesting in one linear scan, before the parser would build it.
    const deep = nestingBeyond(text);
    if (deep) throw new ApiError(400, 'BadRequest', deep);
    const value: unknown = parse(text, { maxAliasCount: 100 });
    checkDepth(value);
    answer = { id, value };
  } catch (err) {
    answer = { id, error: err instanceof ApiError ? err.message : `error decoding request body as YAML: ${(err as Error).message}` };
  }
  parentPort!.postMessage(answer);
});
