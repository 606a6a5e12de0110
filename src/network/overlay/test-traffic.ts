// Small TCP programs run inside the lab's namespaces: a server that first tells each client the
// source address it saw (to prove there was no masquerade) and then echoes, and a one-shot client.
import { once } from 'node:events';
import { mustRun, runCommand } from '../host-command.js';
import type { Lab } from './test-lab.js';

/** argv: host port. Prints "listening" once bound. */
export const ECHO_SERVER = `
import { createServer } from 'node:net';
const [host, port] = process.argv.slice(1);
createServer((s) => { s.setNoDelay(true); s.write(s.remoteAddress + '\\n'); s.pipe(s); s.on('error', () => {}); })
  .listen(Number(port), host, () => console.log('listening'));
`;

/** argv: host port. Prints the first line the server sends. */
const WHOAMI_CLIENT = `
import { connect } from 'node:net';
const [host, port] = process.argv.slice(1);
const s = connect({ host, port: Number(port), timeout: 3000 });
s.on('timeout', () => { console.error('timeout'); process.exit(2); });
s.on('error', (e) => { console.error(e.message); process.exit(1); });
let buf = '';
s.on('data', (d) => { buf += d; if (buf.includes('\\n')) { console.log(buf.split('\\n')[0]); process.exit(0); } });
`;

export async function startEchoServer(lab: Lab, ns: string, host: string, port: number): Promise<void> {
  const child = lab.spawnIn(ns, ECHO_SERVER, [host, String(port)]);
  const [line] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => [Buffer.from('exited')])])) as Buffer[];
  if (!String(line).includes('listening')) throw new Error(`echo server in ${ns} did not start: ${String(line)}`);
}

/** The source address the server at host:port saw for a connection from namespace `ns`. */
export async function sourceSeenBy(ns: string, host: string, port: number): Promise<string> {
  const out = await mustRun(runCommand, 'nsenter', [`--net=/var/run/netns/${ns}`, process.execPath, '--input-type=module', '-e', WHOAMI_CLIENT, host, String(port)]);
  return out.trim();
}
