// Runs a parsed command list the way a shell would, with the few commands the simulator knows
// (see README.md). Anything else stands for a long-running server: it runs until stopped.
import { expandWord, type ListItem, type SimpleCommand } from './script.js';

export interface ProgramContext {
  env: Map<string, string>;
  /** Output, as the container would print it. */
  write(text: string): void;
  /** Aborts when the container is stopped; the program then ends without an exit code. */
  signal: AbortSignal;
}

/** Resolves with the exit code, or undefined when `signal` stopped it first. */
export async function runProgram(items: ListItem[], ctx: ProgramContext): Promise<number | undefined> {
  let status = 0;
  for (const { join, command } of items) {
    if (ctx.signal.aborted) return undefined;
    if ((join === '&&' && status !== 0) || (join === '||' && status === 0)) continue;
    const result = await runCommand(command, ctx, status);
    if (result === undefined) return undefined;
    if ('exit' in result) return result.exit;
    status = result.status;
  }
  return status;
}

type Outcome = { status: number } | { exit: number } | undefined;

async function runCommand(command: SimpleCommand, ctx: ProgramContext, lastStatus: number): Promise<Outcome> {
  ctx.env.set('?', String(lastStatus));
  let words = command.words.map((w) => expandWord(w, ctx.env));
  // Leading NAME=value words set variables; alone, they are the whole command.
  const assignments: Array<[string, string]> = [];
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    const w = words.shift()!;
    const eq = w.indexOf('=');
    assignments.push([w.slice(0, eq), w.slice(eq + 1)]);
  }
  for (const [k, v] of assignments) ctx.env.set(k, v);
  if (words[0] === 'exec') words = words.slice(1);
  if (words.length === 0) return { status: 0 };
  if (command.unsupported) return forever(ctx.signal);
  const out = command.toFile ? () => undefined : (text: string) => ctx.write(text);
  const [name, ...args] = words as [string, ...string[]];
  switch (name.slice(name.lastIndexOf('/') + 1)) {
    case 'echo':
      return { status: echo(args, out) };
    case 'printf':
      out(printf(args));
      return { status: 0 };
    case 'true':
    case ':':
      return { status: 0 };
    case 'false':
      return { status: 1 };
    case 'exit':
      return { exit: args[0] === undefined ? lastStatus : toExitCode(args[0]) };
    case 'sleep':
      return sleep(args, ctx.signal);
    case 'env':
      if (args.length) return forever(ctx.signal); // env running another program
      for (const [k, v] of ctx.env) if (k !== '?') out(`${k}=${v}\n`);
      return { status: 0 };
    case 'printenv': {
      if (args.length === 0) {
        for (const [k, v] of ctx.env) if (k !== '?') out(`${k}=${v}\n`);
        return { status: 0 };
      }
      let status = 0;
      for (const a of args) {
        const v = ctx.env.get(a);
        if (v === undefined) status = 1;
        else out(`${v}\n`);
      }
      return { status };
    }
    case 'hostname':
      out(`${ctx.env.get('HOSTNAME') ?? ''}\n`);
      return { status: 0 };
    case 'date':
      out(`${new Date().toUTCString()}\n`);
      return { status: 0 };
    default:
      return forever(ctx.signal);
  }
}

function toExitCode(text: string): number {
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) ? ((n % 256) + 256) % 256 : 2;
}

function echo(args: string[], out: (text: string) => void): number {
  let newline = true;
  let escapes = false;
  while (args.length && /^-[neE]+$/.test(args[0]!)) {
    const flag = args.shift()!;
    if (flag.includes('n')) newline = false;
    if (flag.includes('e')) escapes = true;
  }
  let text = args.join(' ');
  if (escapes) text = unescape(text);
  out(newline ? `${text}\n` : text);
  return 0;
}

function unescape(text: string): string {
  return text.replace(/\\([ntr\\])/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\' })[c]!);
}

/** `%s`, `%d` and `%%` in the format, then backslash escapes; extra arguments reuse the format. */
function printf(args: string[]): string {
  const [format = '', ...rest] = args;
  let out = '';
  let i = 0;
  do {
    out += format.replace(/%([sd%])/g, (_, c: string) => (c === '%' ? '%' : (rest[i++] ?? (c === 'd' ? '0' : ''))));
  } while (i < rest.length && /%[sd]/.test(format));
  return unescape(out);
}

const UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** GNU sleep: the sum of its arguments, each a number with an optional s/m/h/d suffix. */
async function sleep(args: string[], signal: AbortSignal): Promise<Outcome> {
  let ms = 0;
  for (const a of args) {
    if (a === 'infinity' || a === 'inf') return forever(signal);
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
    if (!m) return { status: 1 };
    ms += Number(m[1]) * UNITS[m[2]!]!;
  }
  if (args.length === 0) return { status: 1 };
  const done = await delay(ms, signal);
  return done ? { status: 0 } : undefined;
}

async function forever(signal: AbortSignal): Promise<Outcome> {
  await delay(Infinity, signal);
  return undefined;
}

/** True when the time passed, false when `signal` aborted first. */
export function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (timer) clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(ms)) {
      // Timers beyond 2^31-1 ms fire at once in Node: such a sleep is as good as forever.
      if (ms > 2 ** 31 - 1) return;
      timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
    }
  });
}
