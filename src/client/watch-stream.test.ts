// The watch body as the network delivers it: events cut at any byte, bookmarks, ERROR, garbage,
// an end or a break, and an abort.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLineSplitter, followWatchStream } from './watch-stream.js';
import { hasReason, type WatchEvent } from './types.js';

const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
const cm = (name: string, value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, resourceVersion: '7' }, data: { v: value } });

function follow(opts: { idleTimeoutMs?: number; signal?: AbortSignal; throwOn?: string } = {}) {
  const body = new PassThrough();
  const events: WatchEvent[] = [];
  const closes: unknown[] = [];
  let destroyed = 0;
  followWatchStream(body, {
    server: 'https://10.0.0.1:6443',
    onEvent: (e) => {
      if (e.object.metadata.name === opts.throwOn) throw new Error('handler failed');
      events.push(e);
    },
    onClose: (err) => closes.push(err),
    signal: opts.signal ?? new AbortController().signal,
    destroy: () => destroyed++,
    idleTimeoutMs: opts.idleTimeoutMs ?? 0,
  });
  return { body, events, closes, destroyed: () => destroyed };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('watch stream', () => {
  it('splits lines only at newlines, whatever the chunks', () => {
    const lines: string[] = [];
    const s = createLineSplitter((l) => lines.push(l));
    s.push('ab');
    s.push('c\nd');
    s.push('\n\nef');
    assert.deepEqual(lines, ['abc', 'd', '']);
    s.flush();
    assert.deepEqual(lines, ['abc', 'd', '', 'ef']);
  });

  it('delivers every event however the bytes are cut, multi-byte characters included', async () => {
    const text = line('ADDED', cm('a', 'grüße ✓ 🚀')) + line('BOOKMARK', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '9' } }) + line('MODIFIED', cm('a', '日本')) + line('DELETED', cm('a', 'x'));
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const w = follow();
      for (let i = 0; i < bytes.length; i += size) w.body.write(bytes.subarray(i, i + size));
      await tick();
      assert.deepEqual(w.events.map((e) => `${e.type} ${(e.object.data as { v: string }).v}`), ['ADDED grüße ✓ 🚀', 'MODIFIED 日本', 'DELETED x'], `chunks of ${size} bytes`);
      assert.equal(w.closes.length, 0);
    }
  });

  it('an ERROR event closes once with the Status as the error, and nothing after it is delivered', async () => {
    const w = follow();
    const gone = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 5 (9)', reason: 'Expired', code: 410 };
    w.body.write(line('ERROR', gone) + line('ADDED', cm('late', 'x')));
    w.body.end();
    await tick();
    assert.equal(w.events.length, 0);
    assert.equal(w.closes.length, 1);
    assert.ok(hasReason(w.closes[0], 'Expired'));
    assert.equal((w.closes[0] as Error).message, 'too old resource version: 5 (9)');
    assert.equal(w.destroyed(), 1);
  });

  it('the server ending the stream closes once without an error; a last line without newline still counts', async () => {
    const w = follow();
    w.body.end(line('ADDED', cm('a', '1')).trimEnd());
    await tick();
    assert.equal(w.events.length, 1);
    assert.deepEqual(w.closes, [undefined]);
  });

  it('a broken stream closes once with an error naming the server', async () => {
    const w = follow();
    w.body.destroy(new Error('socket hang up'));
    await tick();
    assert.equal(w.closes.length, 1);
    assert.match((w.closes[0] as Error).message, /^the watch on https:\/\/10\.0\.0\.1:6443 broke: socket hang up$/);
  });

  it('a line that is not an event, or a throwing handler, ends the watch with that error', async () => {
    const garbage = follow();
    garbage.body.write('<html>proxy error</html>\n');
    await tick();
    assert.match((garbage.closes[0] as Error).message, /sent a line that is not JSON: <html>/);
    const unknown = follow();
    unknown.body.write(line('RENAMED', cm('a', '1')));
    await tick();
    assert.match((unknown.closes[0] as Error).message, /sent an unknown event/);
    const throwing = follow({ throwOn: 'bad' });
    throwing.body.write(line('ADDED', cm('bad', '1')) + line('ADDED', cm('good', '1')));
    await tick();
    assert.equal((throwing.closes[0] as Error).message, 'handler failed');
    assert.equal(throwing.events.length, 0);
  });

  it('an abort ends it quietly, even when the connection then breaks', async () => {
    const stop = new AbortController();
    const w = follow({ signal: stop.signal });
    w.body.write(line('ADDED', cm('a', '1')));
    await tick();
    stop.abort();
    w.body.destroy(new Error('aborted'));
    await tick();
    assert.equal(w.events.length, 1);
    assert.equal(w.closes.length, 0);
    assert.equal(w.destroyed(), 1);
  });

  it('a stream silent past the idle limit is taken for dead', async () => {
    const w = follow({ idleTimeoutMs: 40 });
    await new Promise((r) => setTimeout(r, 25));
    w.body.write(line('BOOKMARK', { metadata: { resourceVersion: '3' } }));
    await new Promise((r) => setTimeout(r, 25));
    assert.equal(w.closes.length, 0, 'a bookmark counts as life');
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(w.closes.length, 1);
    assert.match((w.closes[0] as Error).message, /sent nothing for 40 ms/);
  });
});
