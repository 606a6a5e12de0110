// YAML request bodies are decoded in one worker thread, one at a time, each within a deadline and a
// memory cap. kubectl and the client libraries send JSON, so YAML is rare; but parsing it can take
// seconds of CPU for a few megabytes, which on the main thread would stall every other request.
import { Worker } from 'node:worker_threads';
import { ApiError, errors } from '../errors.js';
import type { YamlAnswer } from './yaml-worker.js';

export interface YamlDecoderOptions {
  /** A body not decoded within this time is refused and its worker replaced. */
  timeoutMs?: number;
  /** Bodies waiting beyond this many get 429. */
  maxQueued?: number;
  /** Heap of the worker, in MiB. */
  maxHeapMb?: number;
}

interface Job {
  id: number;
  text: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

// The worker is the compiled .js beside this file; when running from source under tsx, the .ts,
// loaded after registering tsx's loader in the new thread (a worker does not inherit it).
function startWorker(resourceLimits: NonNullable<ConstructorParameters<typeof Worker>[1]>['resourceLimits']): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./yaml-worker.js', import.meta.url), { resourceLimits });
  const source = new URL('./yaml-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

export class YamlDecoder {
  private worker: Worker | undefined;
  private current: Job | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Job[] = [];
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly maxQueued: number;
  private readonly maxHeapMb: number;

  constructor(opts: YamlDecoderOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.maxQueued = opts.maxQueued ?? 16;
    this.maxHeapMb = opts.maxHeapMb ?? 256;
  }

  decode(text: string): Promise<unknown> {
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(errors.tooManyRequests('too many YAML bodies are being decoded; retry, or send JSON', 1));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, text, resolve, reject });
      this.pump();
    });
  }

  /** Stops the worker; bodies still waiting are refused. */
  async close(): Promise<void> {
    const stopping = errors.tooManyRequests('the server is shutting down', 1);
    for (const job of this.queue.splice(0)) job.reject(stopping);
    const stopped = this.stopWorker();
    this.finish(this.current, stopping);
    await stopped;
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const job = (this.current = this.queue.shift()!);
    const worker = this.ensureWorker();
    worker.ref();
    this.timer = setTimeout(() => {
      // The worker goes first, so the next body starts on a fresh one.
      void this.stopWorker();
      this.finish(job, errors.badRequest(`the YAML body could not be decoded within ${this.timeoutMs} ms; send it as JSON (as kubectl does)`));
    }, this.timeoutMs);
    worker.postMessage({ id: job.id, text: job.text });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker({ maxOldGenerationSizeMb: this.maxHeapMb, maxYoungGenerationSizeMb: 32 });
    worker.on('message', (answer: YamlAnswer) => {
      if (answer.id !== this.current?.id) return;
      if ('error' in answer) this.finish(this.current, errors.badRequest(answer.error));
      else this.finish(this.current, undefined, answer.value);
    });
    // Out of memory, or any other death: the body in hand is refused, the next one gets a new worker.
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.finish(this.current, new ApiError(413, 'RequestEntityTooLarge', `the YAML body could not be decoded: ${why}`));
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`the decoder stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  private finish(job: Job | undefined, err?: unknown, value?: unknown): void {
    if (!job || job !== this.current) return;
    clearTimeout(this.timer);
    this.current = undefined;
    if (err) job.reject(err);
    else job.resolve(value);
    // An idle worker must not keep the process alive.
    if (this.queue.length === 0) this.worker?.unref();
    this.pump();
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}

/** The process's decoder, made when the first YAML body arrives. */
let shared: YamlDecoder | undefined;

export function decodeYaml(text: string): Promise<unknown> {
  shared ??= new YamlDecoder();
  return shared.decode(text);
}
