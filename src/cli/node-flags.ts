// The flags that describe this machine as a node, shared by `k3ts agent` and `k3ts server` (whose
// built-in agent takes the same ones), as in K3s.
import type { Command } from 'commander';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function nodeFlags(cmd: Command): Command {
  return cmd
    .option('--node-name <name>', 'node name (default: the host name; env K3TS_NODE_NAME)')
    .option('--with-node-id', 'append a stable random id to the node name, for machines that share a host name')
    .option('-i, --node-ip <ip>', 'IP address to advertise for this node (default: the address of the interface that routes to the server; env K3TS_NODE_IP)')
    .option('--node-label <key=value>', 'label to register the node with (repeatable)', collect)
    .option('--node-taint <key=value:Effect>', 'taint to register the node with (repeatable)', collect)
    .option('--runtime <name>', 'containerd (real containers, the default; needs root and the containerd, runc and containernetworking-plugins packages) or sim (simulated containers, for scale runs and machines without root); env K3TS_RUNTIME')
    .option('--container-runtime-endpoint <socket>', 'use an existing CRI socket (e.g. unix:///run/containerd/containerd.sock) instead of starting containerd; env K3TS_CONTAINER_RUNTIME_ENDPOINT')
    .option('--private-registry <file>', 'registries.yaml (mirrors, credentials, TLS, in K3s\'s format) for the node\'s containerd (default: <data-dir>/registries.yaml if it exists; env K3TS_PRIVATE_REGISTRY)')
    .option('--flannel-backend <name>', 'how pods on different nodes reach each other: vxlan (any network; UDP 8472 open between nodes), host-gw (nodes on one L2 segment) or none (default: vxlan; env K3TS_FLANNEL_BACKEND)')
    .option('--flannel-iface <name>', 'the interface that carries pod traffic between nodes (default: the one holding the node IP)')
    .option('--cluster-dns <ip>', 'the cluster DNS address written into pods\' resolv.conf (default: 10.43.0.10)')
    .option('--cluster-domain <domain>', 'the cluster\'s DNS domain (default: cluster.local)')
    .option('--resolv-conf <file>', 'the node\'s resolvers, for names outside the cluster and dnsPolicy Default pods (default: /etc/resolv.conf; env K3TS_RESOLV_CONF)')
    .option('--disable-kube-proxy', 'write no Service rules on this node (another proxy does it)')
    .option('--disable-network-policy', 'do not enforce NetworkPolicies on this node');
}
