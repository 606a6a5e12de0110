// A minimal ustar writer, so image layers and archives can be built with nothing but Node: no tar binary, no
// network, and the same bytes on every run (fixed mtime and owner), which keeps digests stable and
// lets a registry deduplicate layers between test runs.

/** One archive member. Paths are relative (no leading '/'), as image layers expect. */
export type TarEntry =
  | { type: 'file'; path: string; mode: number; content: Buffer }
  | { type: 'dir'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;

/** Writes `entries` in the given order and closes the archive with two zero blocks. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const size = entry.type === 'file' ? entry.content.length : 0;
    parts.push(header(entry, size));
    if (entry.type === 'file') {
      parts.push(entry.content);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const path = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const [prefix, name] = splitPath(path);
  const mode = entry.type === 'symlink' ? 0o777 : entry.mode;
  text(h, 0, 100, name);
  octal(h, 100, 8, mode & 0o7777);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0); // mtime: fixed, for reproducible digests
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h[156] = (entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2').charCodeAt(0);
  if (entry.type === 'symlink') {
    if (Buffer.byteLength(entry.target) > 100) throw new Error(`tar: symlink target too long for ustar: ${entry.target}`);
    text(h, 157, 100, entry.target);
  }
  text(h, 257, 6, 'ustar'); // NUL-terminated magic, then version "00"
  text(h, 263, 2, '00');
  text(h, 265, 32, 'root');
  text(h, 297, 32, 'root');
  text(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** ustar keeps up to 100 bytes in `name` and 155 more in `prefix`, split at a '/'. */
function splitPath(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  for (let i = trimmed.lastIndexOf('/'); i > 0; i = trimmed.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(name) > 100) break;
    if (Buffer.byteLength(prefix) <= 155) return [prefix, name];
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function text(h: Buffer, offset: number, length: number, value: string): void {
  if (Buffer.byteLength(value) > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  h.write(value, offset, length, 'utf8');
}

/** Octal digits, zero-padded, NUL-terminated: the portable numeric form. */
function octal(h: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar: ${value} does not fit in a ${length}-byte field`);
  h.write(`${digits.padStart(length - 1, '0')}\0`, offset, 'ascii');
}
