// The SPDY/3.1 codec without a peer: the dictionary is the spec's, header blocks survive a round
// trip through our stored-block zlib and through real zlib (one context across blocks, as Go's
// framer writes them), and every frame type encodes and decodes, whole or cut anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { constants, createDeflate, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { encodeFrame, FrameReader, type SpdyFrame } from './frames.js';
import { encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './headers.js';

test('the SPDY/3 dictionary is the protocol constant (1423 bytes, fixed digest)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('our header blocks are one zlib stream with the dictionary, each ending in a sync flush', () => {
  const c = new HeaderCompressor();
  const sets: SpdyHeaders[] = [{ streamtype: ['error'] }, { streamtype: ['stdout'], port: ['80'] }, { multi: ['a', 'b'] }];
  const blocks = sets.map((h) => c.compress(h));
  for (const b of blocks) assert.deepEqual([...b.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
  // Inflating everything so far yields each block's plain form in turn.
  const all = inflateSync(Buffer.concat(blocks), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
  const plain = sets.map((h) => encodeHeaderBlock(h));
  assert.ok(all.equals(Buffer.concat(plain)));
});

test('blocks from a real zlib context (back-references across blocks) decode one by one', async () => {
  const deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  const d = new HeaderDecompressor();
  const sets: SpdyHeaders[] = [{ streamtype: ['error'], port: ['8080'], requestid: ['0'] }, { streamtype: ['data'], port: ['8080'], requestid: ['0'] }, { 'x-a': ['1', '2'], streamtype: ['stdin'] }];
  for (const h of sets) {
    deflate.write(encodeHeaderBlock(h));
    await new Promise<void>((resolve) => deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(d.decompress(Buffer.concat(out.splice(0))), h);
  }
  deflate.close();
});

const frames: SpdyFrame[] = [
  { type: 'synStream', streamId: 1, associatedId: 0, priority: 3, fin: false, unidirectional: false, headers: { streamtype: ['error'] } },
  { type: 'synReply', streamId: 1, fin: false, headers: {} },
  { type: 'data', streamId: 3, fin: false, data: Buffer.from('hello') },
  { type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) },
  { type: 'rstStream', streamId: 5, status: 5 },
  { type: 'settings', clear: false, entries: [{ flags: 0, id: 7, value: 65536 }] },
  { type: 'ping', id: 2 },
  { type: 'goAway', lastStreamId: 7, status: 0 },
  { type: 'headers', streamId: 1, fin: true, headers: { a: ['b'] } },
  { type: 'windowUpdate', streamId: 0, delta: 1000 },
];

test('every frame type round-trips, also when the bytes arrive one at a time', () => {
  // One compressor for the connection's frames, as a sender keeps it.
  const compressor = new HeaderCompressor();
  const wire = Buffer.concat(frames.map((f) => encodeFrame(f, compressor)));
  const whole = new FrameReader(new HeaderDecompressor()).push(wire);
  assert.deepEqual(whole, frames);
  const reader = new FrameReader(new HeaderDecompressor());
  const trickled: SpdyFrame[] = [];
  for (let i = 0; i < wire.length; i++) trickled.push(...reader.push(wire.subarray(i, i + 1)));
  assert.deepEqual(trickled, frames);
});

test('a control frame of another SPDY version is refused; an unknown type is passed over', () => {
  const bad = Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]);
  assert.throws(() => new FrameReader(new HeaderDecompressor()).push(bad), /version 2/);
  const unknown = Buffer.from([0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 0]);
  assert.deepEqual(new FrameReader(new HeaderDecompressor()).push(unknown), [{ type: 'unknown', controlType: 10 }]);
});
