# The microscale agent as a container image, for deploy/kubernetes (or any orchestrator).
#   docker build -t registry.example.com/microscale:0.1.0 .
#   docker push registry.example.com/microscale:0.1.0
# then set that image in deploy/kubernetes (kustomize: `images:`; see docs/kubernetes.md).
# NODE_IMAGE: the official Node 20 image by default; a build argument only so that a machine that cannot
# pull it can build this same file on a local equivalent (the in-cluster test does: see
# src/engines/kubernetes/testing/image.ts).
ARG NODE_IMAGE=node:20-slim

# Build stage: compile TypeScript and bundle the dashboard, then keep only the runtime dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig*.json ./
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime: Node 20, the compiled agent, production node_modules; non-root, as deploy/kubernetes runs it
# (runAsUser 10001, read-only root filesystem: microscale writes nothing to disk).
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
USER 10001
EXPOSE 8321
ENTRYPOINT ["node", "/app/bin/microscale.js"]
CMD ["--help"]
