# etcd-scaleout: one image for the worker (default command) and the HTTP API.
#   docker build -t etcd-scaleout:0.1.0 .
#   worker: node dist/src/worker.js     api: node dist/src/api/server.js
# Debian-based Node 20 (glibc: the Temporal worker's native core needs it; no Alpine).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-workflow-bundle.ts ./scripts/
# The production build: src only (the lab, the tests and the scripts stay out), plus the prebuilt
# workflow bundle so a worker starts in about a second.
RUN npm run build:prod \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Mount points: config (ssh key, known_hosts), etcd TLS files, backups. The backups folder is owned
# by the node user (uid 1000) so a fresh named volume starts writable.
RUN install -d -m 0750 -o node -g node /var/backups/etcd-scaleout \
 && install -d -m 0755 /etc/etcd-scaleout /etc/ssl/etcd/ssl
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
VOLUME ["/var/backups/etcd-scaleout"]
CMD ["node", "dist/src/worker.js"]
