// Polls until `check` gives a truthy value (returned) or the time runs out (an error naming the last
// failure). Controllers converge asynchronously; tests wait for the state a user would observe.
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms${last ? `: ${(last as Error)?.message ?? String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
