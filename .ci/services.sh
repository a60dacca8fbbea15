#!/usr/bin/env bash
# Starts the real services the tests need beyond what ../shared/tools starts (called by .ci/run with
# the path of shared/). Each section is idempotent: it starts its service only when it is not running.
set -euo pipefail
SHARED=${1:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
cd "$(dirname "$0")/.."
