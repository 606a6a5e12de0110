// Image garbage collection, as the kubelet's image manager does it: when the filesystem holding the
// images is fuller than the high threshold (85 %), images no container uses are removed, least
// recently used first, until it is back under the low threshold (80 %). Images seen for less than
// the minimum age (2 min) stay, so an image pulled for a container about to start is not taken
// from under it; the runtime's pinned images (its sandbox image) always stay.
import { statfs } from 'node:fs/promises';
import type { ContainerRuntime, ImageStatus } from '../../runtime/types.js';

export interface ImageGcOptions {
  runtime: Pick<ContainerRuntime, 'images' | 'listContainers'>;
  highThresholdPercent?: number;
  lowThresholdPercent?: number;
  minAgeMs?: number;
  /** Capacity and free bytes of the filesystem at `path`; statfs by default. */
  diskUsage?: (path: string) => Promise<{ capacityBytes: number; availableBytes: number }>;
  now?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface ImageGcResult {
  usagePercent: number;
  removed: string[];
  freedBytes: number;
}

async function statfsUsage(path: string): Promise<{ capacityBytes: number; availableBytes: number }> {
  const s = await statfs(path);
  return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}

const keyOf = (img: ImageStatus) => img.imageRef;

export class ImageGc {
  /** When each image was first seen and last seen in use, by its reference. */
  private readonly seen = new Map<string, { firstSeen: number; lastUsed: number }>();
  private readonly high: number;
  private readonly low: number;

  constructor(private readonly o: ImageGcOptions) {
    this.high = o.highThresholdPercent ?? 85;
    this.low = o.lowThresholdPercent ?? 80;
    if (!(this.low < this.high)) throw new Error(`image GC: the low threshold (${this.low} %) must be below the high one (${this.high} %)`);
  }

  /** One look: records what is in use, and collects when the disk is over the high threshold. */
  async run(): Promise<ImageGcResult> {
    const now = (this.o.now ?? Date.now)();
    const images = await this.o.runtime.images.listImages();
    const inUse = new Set<string>();
    for (const c of await this.o.runtime.listContainers()) {
      inUse.add(c.image);
      inUse.add(c.imageRef);
    }
    const used = (img: ImageStatus) => img.pinned === true || inUse.has(img.imageRef) || img.names.some((n) => inUse.has(n));
    const present = new Set(images.map(keyOf));
    for (const key of this.seen.keys()) if (!present.has(key)) this.seen.delete(key);
    for (const img of images) {
      const s = this.seen.get(keyOf(img)) ?? { firstSeen: now, lastUsed: 0 };
      if (used(img)) s.lastUsed = now;
      this.seen.set(keyOf(img), s);
    }
    const fs = await this.o.runtime.images.imageFsInfo();
    const disk = await (this.o.diskUsage ?? statfsUsage)(fs.mountpoint || '/');
    const usagePercent = disk.capacityBytes > 0 ? (100 * (disk.capacityBytes - disk.availableBytes)) / disk.capacityBytes : 0;
    const result: ImageGcResult = { usagePercent, removed: [], freedBytes: 0 };
    if (usagePercent <= this.high) return result;
    const toFree = disk.capacityBytes * (usagePercent - this.low) / 100;
    const minAge = this.o.minAgeMs ?? 2 * 60_000;
    const candidates = images
      .filter((img) => !used(img) && now - this.seen.get(keyOf(img))!.firstSeen >= minAge)
      .sort((a, b) => this.seen.get(keyOf(a))!.lastUsed - this.seen.get(keyOf(b))!.lastUsed || b.sizeBytes - a.sizeBytes);
    for (const img of candidates) {
      if (result.freedBytes >= toFree) break;
      try {
        await this.o.runtime.images.removeImage(img.imageRef);
        result.removed.push(img.image);
        result.freedBytes += img.sizeBytes;
        this.seen.delete(keyOf(img));
      } catch (err) {
        this.o.log?.('image garbage collection could not remove an image', { image: img.image, error: (err as Error).message });
      }
    }
    this.o.log?.('image garbage collection', { usagePercent: Math.round(usagePercent), highThresholdPercent: this.high, removed: result.removed, freedBytes: result.freedBytes });
    return result;
  }
}

/** The Node's status.images: the largest 50, each with up to 5 names (digests first), as upstream. */
export function nodeImageList(images: ImageStatus[]): Array<{ names: string[]; sizeBytes: number }> {
  return [...images]
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, 50)
    .map((img) => ({
      names: [...img.names.filter((n) => n.includes('@')), ...img.names.filter((n) => !n.includes('@'))].slice(0, 5),
      sizeBytes: img.sizeBytes,
    }));
}
