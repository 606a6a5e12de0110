// The peer check's sockets in another network namespace: started by `netnsProbeTransport` as
// `nsenter --net=/var/run/netns/<ns> node probe-agent.js`, it serves the ProbeTransport calls as one
// JSON line in, one JSON line out, and exits when its stdin closes (its parent is gone).
import { createInterface } from 'node:readline';
import { udpProbeTransport } from './udp-transport.js';

interface Request {
  id: number;
  op: 'listen' | 'probe';
  addresses?: string[];
  port?: number;
  targets?: Array<{ address: string; port: number; size: number }>;
  timeoutMs?: number;
}

const transport = udpProbeTransport();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const req = JSON.parse(line) as Request;
  const answer = (result: unknown) => process.stdout.write(`${JSON.stringify({ id: req.id, result })}\n`);
  if (req.op === 'listen') void transport.listen(req.addresses ?? [], req.port ?? 0).then(() => answer(null));
  else void transport.probe(req.targets ?? [], req.timeoutMs ?? 1000).then(answer);
});
lines.on('close', () => void transport.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ id: 0, result: 'ready' })}\n`);
