// HPACK against RFC 7541's own worked examples (Appendix C.4: three requests on one connection, with
// Huffman strings and a dynamic table), plus the malformed blocks a decoder must refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeHeaders, encodeInt, HpackDecoder } from './hpack.js';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS, huffmanDecode, huffmanEncode } from './huffman.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('HPACK', () => {
  it('derives the canonical Huffman codes the RFC lists', () => {
    // Spot checks against RFC 7541 Appendix B: ' ' (32), '0' (48), 'a' (97), 0 and EOS.
    assert.deepEqual([HUFFMAN_CODES[32], HUFFMAN_LENGTHS[32]], [0x14, 6]);
    assert.deepEqual([HUFFMAN_CODES[48], HUFFMAN_LENGTHS[48]], [0x0, 5]);
    assert.deepEqual([HUFFMAN_CODES[97], HUFFMAN_LENGTHS[97]], [0x3, 5]);
    assert.deepEqual([HUFFMAN_CODES[0], HUFFMAN_LENGTHS[0]], [0x1ff8, 13]);
    assert.deepEqual([HUFFMAN_CODES[256], HUFFMAN_LENGTHS[256]], [0x3fffffff, 30]);
    assert.equal(huffmanEncode('www.example.com').toString('hex'), 'f1e3c2e5f23a6ba0ab90f4ff');
    assert.equal(huffmanDecode(hex('a8eb10649cbf')), 'no-cache');
    // Every octet survives a round trip.
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    assert.equal(huffmanDecode(huffmanEncode(all)), all);
  });

  it("decodes RFC 7541 C.4's three requests in order, sharing one dynamic table", () => {
    const d = new HpackDecoder();
    assert.deepEqual(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff')), [
      [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'],
    ]);
    assert.deepEqual(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf')), [
      [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache'],
    ]);
    assert.deepEqual(d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf')), [
      [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value'],
    ]);
  });

  it('evicts the oldest entries when the table fills, and follows size updates', () => {
    const d = new HpackDecoder();
    // 100 entries of 32 + 4 + 60 octets: only the newest 42 fit in 4,096.
    for (let i = 0; i < 100; i++) {
      const value = String(i).padStart(60, '.');
      d.decode(Buffer.concat([Buffer.from([0x40, 4]), Buffer.from('name'), Buffer.from([60]), Buffer.from(value)]));
    }
    assert.deepEqual(d.decode(encodeInt(0x80, 7, 62)), [['name', '99'.padStart(60, '.')]]);
    assert.deepEqual(d.decode(encodeInt(0x80, 7, 62 + 41)), [['name', '58'.padStart(60, '.')]]);
    assert.throws(() => d.decode(encodeInt(0x80, 7, 62 + 42)), /past the table/);
    // Shrunk to nothing, then referenced: gone.
    assert.deepEqual(d.decode(encodeInt(0x20, 5, 0)), []);
    assert.throws(() => d.decode(encodeInt(0x80, 7, 62)), /past the table/);
    assert.throws(() => d.decode(encodeInt(0x20, 5, 8192)), /over the 4096 allowed/);
  });

  it('refuses malformed blocks', () => {
    const d = new HpackDecoder();
    assert.throws(() => d.decode(Buffer.from([0x80])), /index 0/);
    assert.throws(() => d.decode(Buffer.from([0x04, 0x05, 0x61])), /truncated/);
    assert.throws(() => d.decode(Buffer.from([0x04, 0x81, 0x00])), /Huffman padding|invalid Huffman/);
    assert.throws(() => d.decode(Buffer.from([0x82, 0x20])), /size update after/);
    assert.throws(() => d.decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), /integer/);
  });

  it('encodes requests as literals any decoder reads back', () => {
    const fields: Array<[string, string]> = [
      [':method', 'POST'], [':scheme', 'https'], [':path', '/etcdserverpb.KV/Txn'], [':authority', '127.0.0.1:2379'],
      ['content-type', 'application/grpc'], ['te', 'trailers'], ['grpc-timeout', '5000m'], ['x-long', 'v'.repeat(300)],
    ];
    const d = new HpackDecoder();
    assert.deepEqual(d.decode(encodeHeaders(fields)), fields);
    // Nothing was added to the peer's table: its first dynamic index is still empty.
    assert.throws(() => d.decode(encodeInt(0x80, 7, 62)), /past the table/);
  });
});
