// The smallest userland a test container needs (a shell, an HTTP server and client, the usual
// tools), taken from the host's static busybox: one 2 MB binary, no libc, so it runs in any rootfs.
import { readFileSync } from 'node:fs';
import type { ImageFile } from './oci-image.js';

export const HOST_BUSYBOX = '/bin/busybox';

/** Applets linked into /bin. Each one exists in Debian 12's busybox-static (a test checks). */
export const BUSYBOX_APPLETS = [
  'sh', 'ls', 'cat', 'echo', 'sleep', 'usleep', 'httpd', 'wget', 'nc', 'hostname', 'id', 'env', 'mkdir', 'rmdir',
  'rm', 'tar', 'ps', 'kill', 'true', 'false', 'grep', 'head', 'tail', 'date', 'printf', 'touch', 'mv', 'cp', 'ln',
  'chmod', 'test', '[', 'seq', 'awk', 'sed', 'wc', 'cut', 'tr', 'uname', 'mount', 'df', 'free', 'top', 'stat',
  'readlink', 'dirname', 'basename', 'sort', 'uniq', 'xargs', 'find', 'ping', 'ifconfig', 'ip', 'route', 'netstat',
  'nslookup', 'dd', 'md5sum', 'sha256sum', 'base64', 'vi', 'yes', 'timeout', 'watch', 'which', 'whoami', 'pwd',
  'tee', 'expr', 'pidof', 'mktemp', 'nproc', 'uptime',
] as const;

let busybox: Buffer | undefined;

/**
 * /bin/busybox, a symlink per applet, root and nobody in /etc/passwd and /etc/group, and the
 * directories programs expect (/tmp sticky and world-writable, /root, /var/www).
 */
export function busyboxFiles(): ImageFile[] {
  busybox ??= readStaticBusybox();
  return [
    { path: '/bin/busybox', content: busybox, mode: 0o755 },
    ...BUSYBOX_APPLETS.map((applet) => ({ path: `/bin/${applet}`, symlink: 'busybox' })),
    // Scripts written elsewhere start with #!/usr/bin/env.
    { path: '/usr/bin/env', symlink: '/bin/busybox' },
    { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { path: '/etc/group', content: 'root:x:0:\nnobody:x:65534:\n' },
    { path: '/tmp', mode: 0o1777 },
    { path: '/root', mode: 0o700 },
    { path: '/var/www' },
  ];
}

/**
 * A dynamically linked busybox (Debian's `busybox` package rather than `busybox-static`) would
 * fail inside the image with a bare "no such file or directory", so refuse it here by name.
 */
function readStaticBusybox(): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(HOST_BUSYBOX);
  } catch {
    throw new Error(`${HOST_BUSYBOX} is missing: apt-get install busybox-static`);
  }
  if (hasInterpreter(bytes)) throw new Error(`${HOST_BUSYBOX} is dynamically linked: apt-get install busybox-static`);
  return bytes;
}

/** True if a 64-bit little-endian ELF has a PT_INTERP program header (needs a dynamic loader). */
function hasInterpreter(elf: Buffer): boolean {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error(`${HOST_BUSYBOX} is not a 64-bit little-endian ELF binary`);
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (elf.readUInt32LE(phoff + i * phentsize) === 3) return true;
  }
  return false;
}
