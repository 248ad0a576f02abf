# syntax=docker/dockerfile:1
#
# One image recipe for all five services. Pick the service at build time:
#
#   docker build --build-arg SERVICE=order -t orderpulse-order:local .
#
# The stages up to the final ENV are identical for every service, so building all five
# reuses the same layers; only the SERVICE metadata differs.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------
# manifests: only the files `npm ci` needs, so the dependency layer below is rebuilt when a
# package.json or the lockfile changes, not on every source edit.
# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    for dir in packages/* services/* infra chaos fuzz; do \
      if [ -f "$dir/package.json" ]; then \
        mkdir -p "/out/$dir"; \
        cp "$dir/package.json" "/out/$dir/package.json"; \
      fi; \
    done

# ---------------------------------------------------------------------------------------
# build: install everything (dev tools included), compile every workspace, then drop the
# dev dependencies and lay out exactly what the runtime needs under /out.
# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    SCARF_ANALYTICS=false
WORKDIR /app

COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci

# .dockerignore keeps node_modules, dist and caches out of the context, so this copy
# cannot clobber the fresh install or smuggle in stale build output.
COPY . .
RUN npx turbo run build

RUN --mount=type=cache,target=/root/.npm \
    npm prune --omit=dev

RUN set -eu; \
    mkdir -p /out/infra/kafka; \
    cp -a node_modules package.json package-lock.json /out/; \
    for dir in packages/* services/*; do \
      [ -f "$dir/package.json" ] || continue; \
      if [ ! -d "$dir/dist" ]; then echo "missing build output: $dir/dist" >&2; exit 1; fi; \
      mkdir -p "/out/$dir"; \
      cp -a "$dir/package.json" "$dir/dist" "/out/$dir/"; \
      if [ -d "$dir/node_modules" ]; then cp -a "$dir/node_modules" "/out/$dir/"; fi; \
    done; \
    cp infra/kafka/topics.json /out/infra/kafka/topics.json

# ---------------------------------------------------------------------------------------
# runtime: production dependencies and compiled output only; files stay owned by root so
# the unprivileged `node` user can read but not modify the application.
# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
WORKDIR /app

# Workspace packages are symlinked from node_modules/@orderpulse/* to ../../packages/* and
# ../../services/*; the layout below keeps those relative links valid.
COPY --from=build /out/ ./

# Glyphs for the Chinese text of the media service's synthesized images (sharp renders SVG
# with the system's fonts); the other services never draw text and just carry the few MB.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

USER node
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || '8080') + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Last, so every service shares all the layers above.
ARG SERVICE
ENV SERVICE=${SERVICE}

# `exec` makes node PID 1, so it receives SIGTERM directly and drains before exiting.
CMD ["sh", "-c", "exec node \"services/${SERVICE:?SERVICE is not set: build with --build-arg SERVICE=<name>}/dist/main.js\""]
