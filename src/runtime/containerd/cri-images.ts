// The node's images through CRI's ImageService: what the kubelet pulls, lists for the Node's
// status.images, removes when the disk fills, and measures for image-filesystem pressure.
import type { ImageService, ImageStatus, RegistryAuth } from '../types.js';
import { isNotFound, type CriClient } from './cri/client.js';
import { criAuth, imageStatusOf, type CriImage } from './cri-mapping.js';

/** A large image over a slow link takes minutes; the kubelet's own deadline is the pod's patience. */
export const DEFAULT_PULL_DEADLINE_MS = 30 * 60_000;

export class CriImageService implements ImageService {
  constructor(
    private readonly cri: CriClient,
    private readonly pullDeadlineMs = DEFAULT_PULL_DEADLINE_MS,
  ) {}

  async imageStatus(image: string): Promise<ImageStatus | undefined> {
    const res = await this.cri.image.ImageStatus!({ image: { image } });
    return res.image ? imageStatusOf(res.image as CriImage, image) : undefined;
  }

  async pullImage(image: string, auth?: RegistryAuth): Promise<ImageStatus> {
    const a = criAuth(auth);
    const { imageRef } = await this.cri.image.PullImage!({ image: { image }, ...(a ? { auth: a } : {}) }, { deadlineMs: this.pullDeadlineMs });
    // The tag just pulled names it; the returned reference finds it even if the tag moved since.
    const status = (await this.imageStatus(image)) ?? (imageRef ? await this.imageStatus(imageRef) : undefined);
    if (!status) throw new Error(`image ${image} was pulled (${imageRef}) but the runtime does not list it`);
    return status;
  }

  async listImages(): Promise<ImageStatus[]> {
    const res = await this.cri.image.ListImages!({});
    return (res.images as CriImage[]).map((img) => imageStatusOf(img));
  }

  async removeImage(image: string): Promise<void> {
    try {
      await this.cri.image.RemoveImage!({ image: { image } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** containerd measures its snapshotter's directory now and then: 0 right after it started. */
  async imageFsInfo(): Promise<{ usedBytes: number; mountpoint: string }> {
    const res = await this.cri.image.ImageFsInfo!({});
    const fs = (res.imageFilesystems as Array<{ fsId?: { mountpoint: string }; usedBytes?: { value: number } }>)[0];
    return { usedBytes: fs?.usedBytes?.value ?? 0, mountpoint: fs?.fsId?.mountpoint ?? '' };
  }
}
