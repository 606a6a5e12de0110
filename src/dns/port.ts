// The port every node's DNS server listens on: not 53, so a resolver already on the host never
// collides. The kube-dns Service maps 53 to it, and its endpoints controller publishes it.
export const defaultDnsPort = 10053;
