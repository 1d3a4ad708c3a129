#!/bin/sh
# Container entrypoint: adds --config.file when a config is mounted at the default location and the
# arguments name none (after the word `check` for the deploy gate), then execs the exporter (PID 1
# stays the exporter, so SIGTERM reaches it).
set -eu
default_config=/etc/migration_exporter/config.toml
config_given=no
for arg in "$@"; do
  case $arg in
    --config.file | --config.file=*) config_given=yes ;;
  esac
done
if [ "$config_given" = no ] && [ -f "$default_config" ]; then
  if [ "${1:-}" = check ]; then
    # The deploy gate's subcommand stays the first word: `check --config.file=... --phase=pre`.
    shift
    set -- check "--config.file=$default_config" "$@"
  else
    set -- "--config.file=$default_config" "$@"
  fi
fi
exec /usr/bin/migration_exporter "$@"
