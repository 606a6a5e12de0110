// A ustar writer for the few archives k3ts makes itself (image layers and image archives): regular
// files, directories and symlinks with their modes; no compression (callers gzip what they need).
export interface TarEntry {
  path: string;
  /** Regular file content; absent for a directory or a symlink. */
  content?: Buffer;
  /** Target of a symlink. */
  symlink?: string;
  /** Unix permission bits; 0644 for files, 0755 for directories and symlinks by default. */
  mode?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** ustar keeps names up to 100 bytes, or 255 split at a slash into a 155-byte prefix and a name. */
function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(e: TarEntry, size: number, type: '0' | '2' | '5'): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitName(type === '5' && !e.path.endsWith('/') ? `${e.path}/` : e.path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (type === '0' ? 0o644 : 0o755), 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(0, 12), 136, 12, 'ascii'); // mtime: fixed, so the same files give the same digest
  h.write('        ', 148, 8, 'ascii'); // checksum is computed with spaces here
  h.write(type, 156, 1, 'ascii');
  if (e.symlink) h.write(e.symlink, 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.symlink !== undefined) parts.push(header(e, 0, '2'));
    else if (e.content === undefined) parts.push(header(e, 0, '5'));
    else {
      parts.push(header(e, e.content.length, '0'), e.content);
      const pad = (BLOCK - (e.content.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
