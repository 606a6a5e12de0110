// TCP probes: healthy when a connection opens within the timeout. Nothing is sent; the connection
// is closed at once, as upstream does.
import net from 'node:net';
import { dialErrorText } from './net-errors.js';
import type { ProbeAttempt } from './types.js';

export function tcpProbe(host: string, port: number, timeoutSeconds: number): Promise<ProbeAttempt> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (attempt: ProbeAttempt) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined); // a late reset after destroy is of no interest
      socket.destroy();
      resolve(attempt);
    };
    const timer = setTimeout(() => finish({ result: 'failure', output: dialErrorText({ name: 'Error', message: 'timeout', code: 'ETIMEDOUT' }, host, port) }), timeoutSeconds * 1000);
    socket.once('connect', () => finish({ result: 'success', output: '' }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ result: 'failure', output: dialErrorText(err, host, port) }));
  });
}
