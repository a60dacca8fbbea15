#!/usr/bin/env bash
# Starts the real services the tests need beyond what ../shared/tools starts (called by .ci/run with
# the path of shared/). Each section is idempotent: it starts its service only when it is not running.
set -euo pipefail
SHARED=${1:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
cd "$(dirname "$0")/.."

# --- Kubernetes (issue 6): a real kube-apiserver + controller-manager on 127.0.0.1:6443 for the
# *.kubernetes.test.ts files. `up` is idempotent (returns at once when healthy; the first build takes
# ~5 min and is cached). The tests find the kubeconfig at /var/run/microscale-k8s/kubeconfig (or
# $KUBECONFIG) and start the fake kubelet themselves; nothing is exported from here.
# `k8s-control-plane up` restarts the control plane, with a fresh etcd, whenever /readyz does not answer
# within its 2 s probe; on a loaded machine a healthy API server can be that slow, and a restart there
# wipes every namespace the tests running at that moment use. So a patient probe first (3 tries, 10 s
# each): `up` runs only when the API server is really not answering.
apiserver_ready() {
  for _ in 1 2 3; do
    curl -sk --max-time 10 -H "Authorization: Bearer admintoken" "https://127.0.0.1:${K8S_APISERVER_PORT:-6443}/readyz" 2>/dev/null |
      grep -q '^ok$' && return 0
    sleep 1
  done
  return 1
}
if [ -f "${K8S_RUN:-/var/run/microscale-k8s}/kubeconfig" ] && apiserver_ready; then
  echo "kube-apiserver ready: KUBECONFIG=${K8S_RUN:-/var/run/microscale-k8s}/kubeconfig"
else
  "$SHARED/tools/k8s-control-plane" up
fi

# --- Kubernetes node (issue 18): kube-scheduler + a kubelet running pods as real containers on the local
# Docker Engine, for the *.kubernetes.test.ts files that run real pods (they opt in with schedulerName:
# microscale-node and imagePullPolicy: Never; others keep the fake kubelet). Needs the control plane above
# and the Docker Engine (.ci/run starts it first). `up` is idempotent (~12 s; the first build of kubelet,
# kube-scheduler and kubectl takes ~9 min and is cached next to the control plane's binaries).
# Likewise, `k8s-node up` restarts the kubelet when its /healthz is slower than 2 s; a node that says it
# is up (asked up to 3 times) is left as it is.
node_up() {
  for _ in 1 2 3; do "$SHARED/tools/k8s-node" status 2>/dev/null | grep -q '^up:' && return 0; sleep 1; done
  return 1
}
if node_up; then "$SHARED/tools/k8s-node" status; else "$SHARED/tools/k8s-node" up; fi
