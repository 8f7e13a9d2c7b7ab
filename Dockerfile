# syntax=docker/dockerfile:1

# Build: all dependencies and the TypeScript build; then only the production dependencies are kept.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Scripts are skipped here (prepare would build before the sources are copied); the native module is built apart.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY domain ./domain
COPY infrastructure ./infrastructure
COPY projections ./projections
COPY api ./api
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

# Runtime: node, the production dependencies and dist/, run as the unprivileged `node` user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data \
  && chown node:node /data \
  && ln -s /app/dist/api/cli/main.js /usr/local/bin/keyledger
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (drain, then exit): no npm and no shell in between.
STOPSIGNAL SIGTERM
CMD ["node", "dist/api/main.js"]
