// Node 20's HTTPS server feeds a connection's parser straight from the TLS layer. When a keep-alive
// request arrives while the previous answer is still being flushed, Node pauses that parser, but the
// TLS layer goes on handing it the rest of the bytes it already decrypted (one 16 KiB piece at a
// time), and the parser rejects them with HPE_PAUSED: the client's request (a body of tens of KiB)
// is lost and its connection reset. Listening for 'data' makes Node read through the socket's stream
// instead, which does hold bytes while paused. Measured: no difference in requests per second or CPU
// (1 KiB creates, 32 connections).
import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';

const ignore = () => undefined;

export function readThroughStreams(server: Server): void {
  server.on('secureConnection', (socket: TLSSocket) => socket.on('data', ignore));
}
