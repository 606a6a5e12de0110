// HPACK's Huffman code (RFC 7541, Appendix B), for header strings etcd's Go server sends compressed.
// The code is canonical: each symbol's bit length fixes its code (codes of one length are consecutive
// in symbol order, shorter lengths first), so only the 257 lengths are written down here and the
// codes and the decoding tree are derived from them once.

// Bit lengths of symbols 0..255 in RFC 7541's table; symbol 256 (EOS) is 30 bits.
const LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;

/** Each symbol's code, right-aligned in its bit length (exported for the tests and the encoder). */
export const HUFFMAN_CODES: readonly number[] = (() => {
  const order = LENGTHS.map((_, sym) => sym).sort((a, b) => LENGTHS[a]! - LENGTHS[b]! || a - b);
  const codes = new Array<number>(LENGTHS.length);
  let code = 0;
  let length = LENGTHS[order[0]!]!;
  for (const sym of order) {
    code *= 2 ** (LENGTHS[sym]! - length); // (30-bit codes: multiply, as << would go negative)
    length = LENGTHS[sym]!;
    codes[sym] = code++;
  }
  return codes;
})();
export const HUFFMAN_LENGTHS: readonly number[] = LENGTHS;

// The decoding tree as two child arrays; a child >= 0 is a node, < 0 is a leaf holding ~symbol.
const zero: number[] = [0];
const one: number[] = [0];
for (let sym = 0; sym < LENGTHS.length; sym++) {
  const len = LENGTHS[sym]!;
  const code = HUFFMAN_CODES[sym]!;
  let node = 0;
  for (let bit = len - 1; bit >= 0; bit--) {
    const set = Math.floor(code / 2 ** bit) % 2 === 1;
    const branch = set ? one : zero;
    if (bit === 0) {
      branch[node] = ~sym;
    } else {
      if (!branch[node]) {
        branch[node] = zero.length;
        zero.push(0);
        one.push(0);
      }
      node = branch[node]!;
    }
  }
}
const ZERO = Int32Array.from(zero);
const ONE = Int32Array.from(one);

/** Decodes a Huffman-coded header string as latin1 (octets); throws on a malformed one. */
export function huffmanDecode(data: Uint8Array): string {
  let out = '';
  let node = 0;
  // Bits walked since the last whole symbol, and whether they were all ones (valid padding is a
  // prefix of EOS: at most 7 one bits).
  let pending = 0;
  let allOnes = true;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      const next = set ? ONE[node]! : ZERO[node]!;
      pending++;
      if (!set) allOnes = false;
      if (next < 0) {
        const sym = ~next;
        if (sym === EOS) throw new Error('HPACK: EOS inside a Huffman string');
        out += String.fromCharCode(sym);
        node = 0;
        pending = 0;
        allOnes = true;
      } else if (next === 0) {
        throw new Error('HPACK: invalid Huffman code');
      } else {
        node = next;
      }
    }
  }
  if (pending > 7 || !allOnes) throw new Error('HPACK: invalid Huffman padding');
  return out;
}

/** Huffman-encodes latin1 text (the tests use it to play a compressing peer). */
export function huffmanEncode(text: string): Buffer {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  const push = (code: number, len: number) => {
    for (let bit = len - 1; bit >= 0; bit--) {
      acc = (acc << 1) | (Math.floor(code / 2 ** bit) % 2);
      if (++bits === 8) {
        bytes.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  };
  for (let i = 0; i < text.length; i++) {
    const sym = text.charCodeAt(i) & 0xff;
    push(HUFFMAN_CODES[sym]!, LENGTHS[sym]!);
  }
  if (bits > 0) push(0xff >> bits, 8 - bits);
  return Buffer.from(bytes);
}
