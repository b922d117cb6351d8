# image-api: the server on Node 24 LTS, running as a non-root user, with its data in the /data volume.
#   docker build -t image-api .
#   docker run -p 8000:8000 -v image-api-data:/data image-api
# With PostgreSQL, S3 and Redis: compose.yaml. Configuration: environment variables (.env.example).
# No Docker engine runs where this project is tested: scripts/docker-replay.sh runs these very steps
# (build stage, runtime stage, user, start command) in a clean folder in CI and checks that the server
# starts, answers its health check and stops on SIGTERM.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown 1000:1000 /data
# The base image's `node` user, by number so that any runtime can apply it.
USER 1000:1000
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# The server itself is PID 1: SIGTERM lets requests in flight finish, then it exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/bundle/server.js"]
