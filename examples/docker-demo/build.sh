#!/bin/sh
# Builds the demo image offline (FROM busybox:latest). `microscale demo --engine docker` does this by
# itself when the image is missing; run this to rebuild after editing the scripts.
set -e
cd "$(dirname "$0")"
docker build -q -t microscale-demo:1 .
