// The node IP, when not given: the local address of the interface the kernel would use to reach the
// server. Not the default route's: on a machine with a LAN and a VPN, the server may sit behind
// either, and the seeds' wrong-node-IP failures come from picking the wrong one. A connected UDP
// socket asks the routing table without sending a packet.
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export async function routeSourceAddress(serverHost: string, port = 6443): Promise<string> {
  const host = serverHost.replace(/^\[|\]$/g, '');
  const address = isIP(host) ? host : (await lookup(host)).address;
  const family = isIP(address) === 6 ? 'udp6' : 'udp4';
  const socket = createSocket(family);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}
