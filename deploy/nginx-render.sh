#!/bin/sh
# Prints deploy/nginx.conf.template with this deployment's addresses filled in: the one place its ports
# and paths come from. Every variable has a default (the two-instance example of docs/deployment.md):
#   IMAGE_API_INSTANCES  the instances, host:port separated by spaces   127.0.0.1:8001 127.0.0.1:8002
#   IMAGE_API_LISTEN     where nginx listens (address:port or port)     127.0.0.1:8080
#   IMAGE_API_FILES      DATA_DIR/storage, for DELIVERY=nginx            /var/lib/image-api/storage
# Only these variables are replaced: nginx's own ($host, $remote_addr, …) stay as they are.
set -eu
: "${IMAGE_API_INSTANCES:=127.0.0.1:8001 127.0.0.1:8002}"
: "${IMAGE_API_LISTEN:=127.0.0.1:8080}"
: "${IMAGE_API_FILES:=/var/lib/image-api/storage}"
IMAGE_API_UPSTREAM_SERVERS=$(for instance in $IMAGE_API_INSTANCES; do
  printf '        server %s max_fails=2 fail_timeout=5s;\n' "$instance"
done)
if [ -z "$IMAGE_API_UPSTREAM_SERVERS" ]; then
  echo "IMAGE_API_INSTANCES names no instance" >&2
  exit 2
fi
IMAGE_API_FILES=${IMAGE_API_FILES%/}
export IMAGE_API_UPSTREAM_SERVERS IMAGE_API_LISTEN IMAGE_API_FILES
exec envsubst '${IMAGE_API_UPSTREAM_SERVERS} ${IMAGE_API_LISTEN} ${IMAGE_API_FILES}' < "$(dirname "$0")/nginx.conf.template"
