#!/bin/sh
# The Debian packages k3ts needs, in one place for the README, CI and anyone setting up a node:
#   build:      python3 make g++ (better-sqlite3 compiles from source), openssl, ca-certificates
#   every node: containerd runc containernetworking-plugins iptables conntrack util-linux iproute2
#   images:     busybox-static (the seed-002 demo image and the test images are built from it)
#   tests:      umoci skopeo docker-registry (test images checked and served on 127.0.0.1)
#   benches:    wrk (NodePort and pod requests/s in npm run bench)
#   datastores: postgresql mariadb-server (the SQL backends' tests start a private server of each on
#               127.0.0.1; the packages' own services are never used, and Debian may start them at
#               install: stop them if you do not want them)
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "$0: run as root: it installs Debian packages with apt-get" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$0: no apt-get on this machine: install the packages listed at the top of this script yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  python3 make g++ openssl ca-certificates \
  containerd runc containernetworking-plugins iptables conntrack util-linux iproute2 \
  busybox-static \
  umoci skopeo docker-registry wrk \
  postgresql mariadb-server >/dev/null
echo "Debian packages for k3ts are installed"
