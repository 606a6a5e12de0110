import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, ImageStatus } from '../../runtime/types.js';
import { ImageGc, nodeImageList } from './image-gc.js';

const MiB = 1 << 20;
const img = (name: string, sizeMiB: number, extra: Partial<ImageStatus> = {}): ImageStatus => ({
  image: name,
  imageRef: `${name.replace(/:.*$/, '')}@sha256:${name.length}${sizeMiB}`,
  names: [name],
  sizeBytes: sizeMiB * MiB,
  ...extra,
});

function fakeNode(images: ImageStatus[], running: string[]) {
  const removed: string[] = [];
  let used = 0;
  const runtime = {
    images: {
      listImages: async () => images.filter((i) => !removed.includes(i.imageRef)),
      removeImage: async (ref: string) => {
        removed.push(ref);
        used -= images.find((i) => i.imageRef === ref)!.sizeBytes;
      },
      imageFsInfo: async () => ({ usedBytes: 0, mountpoint: '/var/lib/images' }),
      imageStatus: async () => undefined,
      pullImage: async () => images[0]!,
    },
    listContainers: async () => running.map((image) => ({ image, imageRef: images.find((i) => i.image === image)!.imageRef }) as ContainerStatus),
  };
  return {
    runtime,
    removed,
    setUsed: (bytes: number) => (used = bytes),
    diskUsage: async () => ({ capacityBytes: 100 * MiB, availableBytes: 100 * MiB - used }),
  };
}

describe('image garbage collection', () => {
  it('does nothing under the high threshold; above it, removes unused images least recently used first until under the low one', async () => {
    const images = [img('old:1', 6), img('newer:1', 4), img('running:1', 30), img('pause:1', 1, { pinned: true }), img('fresh:1', 8)];
    const node = fakeNode(images, ['running:1']);
    let now = 0;
    const gc = new ImageGc({ runtime: node.runtime, diskUsage: node.diskUsage, now: () => now, minAgeMs: 1000 });
    node.setUsed(84 * MiB);
    assert.deepEqual((await gc.run()).removed, [], '84 % is under 85 %');
    // newer:1 is in use for a while: it goes after the never-used ones.
    node.runtime.listContainers = async () => [{ image: 'newer:1', imageRef: images[1]!.imageRef } as ContainerStatus, { image: 'running:1', imageRef: images[2]!.imageRef } as ContainerStatus];
    now = 500;
    await gc.run();
    node.runtime.listContainers = async () => [{ image: 'running:1', imageRef: images[2]!.imageRef } as ContainerStatus];
    images.push(img('justpulled:1', 9));
    now = 2000;
    node.setUsed(90 * MiB);
    const r = await gc.run();
    assert.deepEqual(r.removed, ['fresh:1', 'old:1'], '10 MiB to free: never-used images first (the larger of them first), the one used lately and the one pulled a moment ago stay');
    assert.equal(r.freedBytes, 14 * MiB);
    assert.equal(Math.round(r.usagePercent), 90);
    assert.ok(!node.removed.includes(images[2]!.imageRef) && !node.removed.includes(images[3]!.imageRef), 'in use and pinned images stay');
  });

  it('refuses thresholds the wrong way round', () => {
    assert.throws(() => new ImageGc({ runtime: fakeNode([], []).runtime, highThresholdPercent: 70, lowThresholdPercent: 80 }), /low threshold \(80 %\) must be below the high one \(70 %\)/);
  });
});

describe("the Node's status.images", () => {
  it('lists the 50 largest images, with at most 5 names each, digests first', () => {
    const many = Array.from({ length: 60 }, (_, i) => img(`img${i}:1`, i + 1));
    const list = nodeImageList(many);
    assert.equal(list.length, 50);
    assert.equal(list[0]!.sizeBytes, 60 * MiB);
    const named = nodeImageList([{ image: 'a:1', imageRef: 'a@sha256:1', names: ['a:1', 'a:2', 'a:3', 'a:4', 'a:5', 'a@sha256:1'], sizeBytes: 1 }]);
    assert.deepEqual(named[0]!.names, ['a@sha256:1', 'a:1', 'a:2', 'a:3', 'a:4']);
  });
});
