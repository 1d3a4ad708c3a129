#!/bin/bash
# Container HEALTHCHECK: GET /healthz on the exporter's own port through bash's /dev/tcp (the slim
# image has no curl); healthy only on an HTTP 200. Port from MIGRATION_EXPORTER_HEALTHCHECK_PORT.
set -u
port=${MIGRATION_EXPORTER_HEALTHCHECK_PORT:-10211}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 4 status_line <&3 || exit 1
case $status_line in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) exit 1 ;;
esac
