// Sorting what arrives into queries to answer, malformed messages to answer FORMERR, and packets to
// drop without a word: responses (answering one could start a loop between two servers) and
// anything too short to carry an id.
import { parseQuery, messageId, type Query } from './decode.js';

export type Arrival = { kind: 'query'; query: Query } | { kind: 'formerr'; id: number } | { kind: 'drop' };

export function classifyArrival(msg: Buffer): Arrival {
  const id = messageId(msg);
  if (id === undefined || (msg[2]! & 0x80) !== 0) return { kind: 'drop' };
  try {
    return { kind: 'query', query: parseQuery(msg) };
  } catch {
    return { kind: 'formerr', id };
  }
}
