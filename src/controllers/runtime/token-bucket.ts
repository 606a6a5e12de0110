// A rate limit for controller writes: `burst` at once, then `ratePerSecond`. Upstream's controllers
// are held to 20 requests a second by their client; here the bound is per kind of write, so a
// Deployment of two billion replicas creates pods at a pace the server keeps up with, while a normal
// scale-up of a few hundred goes out at once.
export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Takers wait in line, so a steady stream of them cannot starve an early one. */
  private line: Promise<void> = Promise.resolve();

  constructor(private readonly opts: TokenBucketOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? defaultSleep;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Resolves when the caller may go ahead. */
  take(): Promise<void> {
    const turn = this.line.then(() => this.takeNow());
    this.line = turn;
    return turn;
  }

  private async takeNow(): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await this.sleep(((1 - this.tokens) / this.opts.ratePerSecond) * 1000);
      this.refill();
    }
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.ratePerSecond);
    this.last = now;
  }
}
