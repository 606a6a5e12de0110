// Creates in batches of 1, 2, 4, ... so that a request that is bound to fail (a quota, an
// admission rule) fails once, not hundreds of times.
export interface SlowStartResult {
  succeeded: number;
  /** The first error, after which no further batch was started. */
  error?: unknown;
}

export async function slowStartBatch(count: number, create: (index: number) => Promise<void>): Promise<SlowStartResult> {
  let done = 0;
  for (let batch = 1; done < count; batch *= 2) {
    const size = Math.min(batch, count - done);
    const results = await Promise.allSettled(Array.from({ length: size }, (_, i) => create(done + i)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    done += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded: done, error: failed.reason };
  }
  return { succeeded: done };
}
