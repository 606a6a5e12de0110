// kubectl ≥ 1.31 port-forward: a websocket whose binary messages carry a SPDY/3.1 byte stream.
// The runtime speaks plain SPDY/3.1, so nothing here reads SPDY: message bytes go to the runtime's
// socket as they are, and whatever the runtime sends goes back as binary messages. Message
// boundaries mean nothing to either end.
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';

export function bridgeTunneledSpdy(ws: WebSocket, runtime: Duplex, initial: Buffer): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      runtime.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
      resolve();
    };
    const toClient = (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      // Hold the runtime back while the client's side of the websocket is full.
      ws.send(chunk, { binary: true }, () => {
        if (runtime.isPaused() && ws.bufferedAmount < 1 << 20) runtime.resume();
      });
      if (ws.bufferedAmount >= 1 << 20) runtime.pause();
    };
    if (initial.length) toClient(initial);
    runtime.on('data', toClient);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      if (!runtime.write(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer))) {
        ws.pause();
        runtime.once('drain', () => ws.resume());
      }
    });
    runtime.on('end', finish);
    runtime.on('close', finish);
    runtime.on('error', finish);
    ws.on('close', finish);
    ws.on('error', finish);
  });
}
