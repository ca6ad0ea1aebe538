# syntax=docker/dockerfile:1
# Multi-stage: the TypeScript is compiled in a build stage (npm run build → dist/); the runtime
# image carries the compiled JavaScript and production dependencies only, runs as the non-root
# user `node` under tini (signals reach Node, zombies are reaped), and keeps its data in /data.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY policy ./policy
COPY migrations ./migrations
COPY jobs ./jobs
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown node:node /data
# DATA_DIR: the embedded PostgreSQL (without DATABASE_URL) and the uploads being received; a
# volume owned by `node`, so the image starts on its defaults.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# Migrations are a one-off command before a new version's processes start:
#   docker run --rm -e DATABASE_URL=… -e MIGRATION_DATABASE_URL=… IMAGE node dist/src/cli.js migrate
# A larger young generation: a worker allocates short-lived rows and decisions by the
# million, and with the default 16 MB semi-space a sweep spent a third of its time in GC.
# Set through NODE_OPTIONS so that an API-only process can add its own limit (compose.yaml:
# an old generation of at most 192 MB, which keeps an export's memory under 300 MB).
ENV NODE_OPTIONS=--max-semi-space-size=64
CMD ["node", "dist/src/main.js"]
