// The Node.js flags every k3ts process runs with; bin/k3ts's first line passes the same ones.
//
// --max-semi-space-size=4: V8 grows its young generation to 16 MiB semi-spaces under steady request
// traffic and keeps those pages pooled afterwards, so a server that served one busy minute stayed
// ~40 MB above its idle size for good. At 4 MiB the pool stays small and requests per second stay
// the same within the noise (docs/performance.md, "Issue 7").
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
