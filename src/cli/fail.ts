// A CLI failure is one line that says what is wrong and how to fix it; no stack trace.
export function fail(message: string): never {
  process.stderr.write(`k3ts: ${message}\n`);
  process.exit(1);
}
