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
"$SHARED/tools/k8s-control-plane" up

# --- Kubernetes node (issue 18): kube-scheduler + a kubelet running pods as real containers on the local
# Docker Engine, for the *.kubernetes.test.ts files that run real pods (they opt in with schedulerName:
# microscale-node and imagePullPolicy: Never; others keep the fake kubelet). Needs the control plane above
# and the Docker Engine (.ci/run starts it first). `up` is idempotent (~12 s; the first build of kubelet,
# kube-scheduler and kubectl takes ~9 min and is cached next to the control plane's binaries).
"$SHARED/tools/k8s-node" up
