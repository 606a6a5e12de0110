// The Node annotations flannel's kube subnet manager reads and writes, so a k3ts node and a flannel
// node (k3s) can describe their tunnel endpoints to each other the same way.
import type { OverlayBackend, OverlayNode } from './types.js';

export const ANNOTATION_PREFIX = 'flannel.alpha.coreos.com';
export const BACKEND_TYPE = `${ANNOTATION_PREFIX}/backend-type`;
export const BACKEND_DATA = `${ANNOTATION_PREFIX}/backend-data`;
export const PUBLIC_IP = `${ANNOTATION_PREFIX}/public-ip`;
export const KUBE_SUBNET_MANAGER = `${ANNOTATION_PREFIX}/kube-subnet-manager`;

/** flannel's VXLAN network identifier: flannel.1 carries VNI 1. */
export const VXLAN_VNI = 1;

export function ownAnnotations(o: { backend: Exclude<OverlayBackend, 'none'>; nodeIP: string; vtepMac?: string }): Record<string, string> {
  return {
    [BACKEND_TYPE]: o.backend,
    // flannel writes JSON null for backends without data; a VXLAN peer needs our VTEP's MAC.
    [BACKEND_DATA]: o.backend === 'vxlan' ? JSON.stringify({ VNI: VXLAN_VNI, VtepMAC: o.vtepMac }) : 'null',
    [PUBLIC_IP]: o.nodeIP,
    [KUBE_SUBNET_MANAGER]: 'true',
  };
}

/** Whether the node already carries exactly these annotations (then no patch is needed). */
export function hasAnnotations(node: OverlayNode | undefined, want: Record<string, string>): boolean {
  const have = node?.metadata.annotations ?? {};
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

export interface PeerAnnotations {
  backend: string;
  publicIP: string;
  vtepMac?: string;
  vni?: number;
}

function parseBackendData(text: string | undefined): { VNI?: unknown; VtepMAC?: unknown } | null {
  try {
    return JSON.parse(text ?? 'null') as { VNI?: unknown; VtepMAC?: unknown } | null;
  } catch {
    return null;
  }
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** What a peer published, or why it cannot be used yet. */
export function readPeerAnnotations(node: OverlayNode): PeerAnnotations | { missing: string } {
  const a = node.metadata.annotations ?? {};
  const backend = a[BACKEND_TYPE];
  const publicIP = a[PUBLIC_IP];
  if (!backend) return { missing: BACKEND_TYPE };
  if (!publicIP || !/^\d+\.\d+\.\d+\.\d+$/.test(publicIP)) return { missing: PUBLIC_IP };
  if (backend !== 'vxlan') return { backend, publicIP };
  const data = parseBackendData(a[BACKEND_DATA]);
  const mac = typeof data?.VtepMAC === 'string' ? data.VtepMAC.toLowerCase() : undefined;
  if (!mac || !MAC.test(mac)) return { missing: `${BACKEND_DATA} VtepMAC` };
  return { backend, publicIP, vtepMac: mac, ...(typeof data?.VNI === 'number' ? { vni: data.VNI } : {}) };
}
