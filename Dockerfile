# Container image of the API (dist/server.js), the alternative to the Lambda deployment: ECS/Fargate,
# Kubernetes, or anything that runs a container, against real AWS services (RUNTIME_MODE=aws).
#   docker build -t commerce-api .
#   docker run -p 3000:3000 -e AWS_REGION=us-east-1 -e USERS_TABLE=... commerce-api
# Table names and the other settings are the environment variables of src/config.ts.

# ---- build: all dependencies, type-check, bundle
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

# ---- runtime: the bundles are self-contained, so no node_modules; runs as the image's non-root user
FROM node:22-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 RUNTIME_MODE=aws
WORKDIR /app
# package.json marks dist/*.js as ES modules and is how the server finds its root folder. Only the
# server bundle (unminified, so stack traces read without its source map), its bcrypt worker thread, its licence notices and the
# docs UI's files are needed; the Lambda bundles and source maps stay behind.
COPY --from=build /app/package.json ./
COPY --from=build /app/dist/server.js /app/dist/server.js.LEGAL.txt /app/dist/bcrypt-worker.js ./dist/
COPY --from=build /app/dist/assets ./dist/assets
USER node
EXPOSE 3000
# The slim image has no curl; Node's fetch checks liveness instead. (No --start-period: the server
# listens within a second or two, well before the first check, and dockerfilelint misreads that option.)
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
