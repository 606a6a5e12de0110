// The overlay's surface for the agent: start it, read its MTU and conditions, stop it.
export { startPodNetwork } from './pod-network.js';
export type { OverlayBackend, OverlayLog, OverlayNode, PodNetwork, PodNetworkOptions } from './types.js';
export { NETWORK_UNAVAILABLE, OVERLAY_REACHABLE } from './conditions.js';
export { PEER_CHECK_PORT } from './peer-check.js';
export type { ProbeTransport } from './probe-transport.js';
export { VXLAN_DEVICE, VXLAN_PORT } from './vxlan-device.js';
export { MASQ_CHAIN, FORWARD_CHAIN, removeMasquerade } from './masquerade.js';
