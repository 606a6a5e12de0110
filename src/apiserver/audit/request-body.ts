// Request bodies the audit log asked to see (level Request or RequestResponse): the body reader hands
// each over here, and only for requests marked, so unaudited requests keep nothing. A body decoded
// into an object (JSON, YAML or protobuf) is kept as that object; a raw one (a patch) as bytes.
import type { IncomingMessage } from 'node:http';

export type CapturedBody = { raw: Buffer } | { object: unknown };

const wanted = new WeakSet<IncomingMessage>();
const bodies = new WeakMap<IncomingMessage, CapturedBody>();

export function wantRequestBody(req: IncomingMessage): void {
  wanted.add(req);
}

/** Called by the body reader with what it read. */
export function noteRequestBody(req: IncomingMessage, body: Buffer): void {
  if (wanted.has(req)) bodies.set(req, { raw: body });
}

/** Called once the body is decoded into an object. */
export function noteRequestObject(req: IncomingMessage, object: unknown): void {
  if (wanted.has(req)) bodies.set(req, { object });
}

export function takeRequestBody(req: IncomingMessage): CapturedBody | undefined {
  const body = bodies.get(req);
  bodies.delete(req);
  return body;
}
