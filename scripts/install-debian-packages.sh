#!/bin/sh
# The Debian packages k3ts needs, in one place for the README, CI and anyone setting up a node.
# Always:
#   build:      python3 make g++ (better-sqlite3 compiles from source), openssl, ca-certificates
#   every node: containerd runc containernetworking-plugins iptables conntrack util-linux iproute2
#   images:     busybox-static (the seed-002 demo image and the test images are built from it)
# With --tests (what `npm test` and `npm run bench` also need):
#   images:     umoci skopeo docker-registry (test images checked and served on 127.0.0.1)
#   benches:    wrk (NodePort and pod requests/s in npm run bench)
#   datastores: etcd-server postgresql mariadb-server (the datastore tests start a private server of
#               each on 127.0.0.1; the packages' own services are never used: Debian's etcd is
#               switched off below, and Debian may start the others at install: stop them if unwanted)
#   browser:    chromium (the dashboard test drives it headless through playwright-core)
#   monitoring: prometheus (k3ts up --monitoring and its test; not in the quick start, as only
#               --monitoring uses it and it is large: `apt-get install -y prometheus` when wanted)
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "$0: run as root: it installs Debian packages with apt-get" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$0: no apt-get on this machine: install the packages listed at the top of this script yourself" >&2
  exit 1
fi
tests=""
case "${1:-}" in
  "") ;;
  --tests) tests="umoci skopeo docker-registry wrk etcd-server postgresql mariadb-server chromium prometheus" ;;
  *) echo "$0: unknown option $1 (the only one is --tests: also what the tests and benches need)" >&2; exit 1 ;;
esac
# etcdctl: the managed-etcd test restores a snapshot (k3ts server --cluster-reset-restore-path).
if [ -n "$tests" ]; then tests="$tests etcd-client"; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # $tests is a list of package names
apt-get install -y -qq --no-install-recommends \
  python3 make g++ openssl ca-certificates \
  containerd runc containernetworking-plugins iptables conntrack util-linux iproute2 \
  busybox-static $tests >/dev/null
if [ -n "$tests" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  # Debian enables and starts a system etcd on 127.0.0.1:2379 on install; the tests only want the
  # binary (they start their own), so a booted systemd gets it switched off.
  systemctl disable --now etcd.service >/dev/null 2>&1 || true
  # Likewise Debian's own Prometheus on :9090; k3ts up --monitoring starts one of its own.
  systemctl disable --now prometheus.service prometheus-node-exporter.service >/dev/null 2>&1 || true
fi
echo "Debian packages for k3ts are installed${tests:+ (with what the tests need)}"
