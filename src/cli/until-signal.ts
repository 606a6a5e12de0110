// A long-running command stops on SIGTERM or SIGINT: close once, within 10 s, then exit.
import type { Logger } from '../server/log.js';
import { fail } from './fail.js';

export function closeOnSignal(close: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await close();
    } catch (err) {
      fail(`shutdown was not clean: ${(err as Error).message}`);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
