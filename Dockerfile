# syntax=docker/dockerfile:1
# config-api server image.
#   docker build -t config-api .
#   docker run -p 8080:8080 -v config-api-data:/app/data config-api
# CI has no container engine: scripts/container-smoke.ts replays this file's steps (it parses this file and refuses
# instructions it does not know). RUN steps use paths relative to WORKDIR.
ARG NODE_VERSION=20

# Build stage: every dependency (TypeScript), compile to dist/, then drop the dev dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Toolchain for better-sqlite3 when its prebuilt binary cannot be downloaded (other platform, closed network).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# The web console's static assets (served at /console when ADMIN_TOKEN is set).
COPY console ./console
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

# Run stage: production dependencies and the compiled server only, as the unprivileged `node` user.
FROM node:${NODE_VERSION}-bookworm-slim AS run
# The memory settings `npm start` uses (see README "Configuration"); HOST=0.0.0.0 so the published port reaches the server.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/console ./console
# SQLite lives in /app/data (DATABASE_URL defaults to sqlite:./data/config-api.sqlite); owned by `node` so a new
# named volume is writable. Set DATABASE_URL=postgres://… to use PostgreSQL instead.
RUN mkdir -p data && chown node:node data
USER node
VOLUME ["/app/data"]
EXPOSE 8080
# Readiness (/readyz: answers 200 once the server can serve requests); node's fetch, as slim images have no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/config-api.js"]
CMD ["serve"]
