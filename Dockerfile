# Cité engine and crawler worker image (one image, two commands).
FROM node:20-bookworm-slim
# chromium renders JavaScript-only pages (render mode auto/always); no browser download at build time.
RUN apt-get update && apt-get install -y --no-install-recommends chromium ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/package.json
COPY packages/index/package.json packages/index/package.json
COPY packages/ingestion/package.json packages/ingestion/package.json
COPY packages/retrieval/package.json packages/retrieval/package.json
COPY packages/app/package.json packages/app/package.json
COPY console/package.json console/package.json
COPY scripts scripts
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# a console that does not build fails the image build, rather than shipping an engine without its console
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data CHROMIUM_PATH=/usr/bin/chromium
# DATA_DIR must exist and be the node user's: uploads wait there (uploads-tmp/), the embedded database lives
# there; a volume mounted on it takes this owner. Without it every upload failed (EACCES: mkdir '/data').
RUN mkdir -p /data && chown node:node /data
EXPOSE 8080
USER node
# run through its first line, so the engine gets the node flags `cite` runs with (cli/node-flags.ts)
ENTRYPOINT ["/usr/bin/tini", "--", "packages/app/bin/cite.mjs"]
CMD ["start"]
