// One line per event, human or JSON (--log-format), to stderr.
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  /** Normal events worth a line only when asked for (--debug), such as a client that hung up. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  format: 'text' | 'json',
  out: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  opts: { debug?: boolean } = {},
): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    const time = new Date().toISOString();
    if (format === 'json') {
      out(JSON.stringify({ time, level, msg, ...fields }));
      return;
    }
    const extra = fields ? Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('') : '';
    out(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra}`);
  };
  return {
    debug: opts.debug ? (m, f) => emit('debug', m, f) : () => undefined,
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
