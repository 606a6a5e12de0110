// The sandbox ("pause") image every pod's network namespace is held by. Machines without the
// internet cannot pull registry.k8s.io/pause, so k3ts carries its own: one static executable that
// only waits, written here byte by byte (about 150 bytes; no compiler, no download), in an OCI
// archive that the agent imports into its containerd at start.
import { arch } from 'node:process';
import { buildOciArchive } from '../../images/oci-archive.js';

export const PAUSE_IMAGE = 'k3ts.local/pause:1';

/** Machine code that waits for a signal forever (SIGKILL ends it, as StopPodSandbox sends). */
const CODE: Record<string, { machine: number; code: number[]; ociArch: string }> = {
  // loop: mov eax, 34 (pause); syscall; jmp loop
  x64: { machine: 62, ociArch: 'amd64', code: [0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7] },
  // arm64 has no pause(2): loop: ppoll(NULL, 0, NULL, NULL) (x8 = 73); svc #0; b loop
  arm64: {
    machine: 183,
    ociArch: 'arm64',
    code: [0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa].flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]),
  },
};

/** A minimal static ELF64 executable: the header, one loadable segment, then the code. */
export function pauseExecutable(machine = arch): Buffer {
  const spec = CODE[machine];
  if (!spec) throw new Error(`no pause executable for CPU architecture ${machine}`);
  const base = 0x400000;
  const headerSize = 64 + 56;
  const size = headerSize + spec.code.length;
  const b = Buffer.alloc(size);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2; // 64-bit
  b[5] = 1; // little endian
  b[6] = 1; // ELF version
  b.writeUInt16LE(2, 16); // executable
  b.writeUInt16LE(spec.machine, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(base + headerSize), 24); // entry point
  b.writeBigUInt64LE(64n, 32); // program headers right after this header
  b.writeUInt16LE(64, 52); // header size
  b.writeUInt16LE(56, 54); // program header size
  b.writeUInt16LE(1, 56); // one program header
  // PT_LOAD, readable and executable, the whole file at `base`.
  b.writeUInt32LE(1, 64);
  b.writeUInt32LE(5, 68);
  b.writeBigUInt64LE(0n, 72);
  b.writeBigUInt64LE(BigInt(base), 80);
  b.writeBigUInt64LE(BigInt(base), 88);
  b.writeBigUInt64LE(BigInt(size), 96);
  b.writeBigUInt64LE(BigInt(size), 104);
  b.writeBigUInt64LE(0x1000n, 112);
  Buffer.from(spec.code).copy(b, headerSize);
  return b;
}

export function pauseImageArchive(machine = arch): Buffer {
  const spec = CODE[machine];
  if (!spec) throw new Error(`no pause image for CPU architecture ${machine}`);
  return buildOciArchive({
    name: PAUSE_IMAGE,
    architecture: spec.ociArch,
    files: [{ type: 'file', path: 'pause', content: pauseExecutable(machine), mode: 0o755 }],
    config: { entrypoint: ['/pause'] },
  }).tar;
}
