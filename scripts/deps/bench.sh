# shellcheck shell=bash
# Sourced by scripts/install-deps.sh. The benchmark (bench/run.sh) needs nginx-light (the static
# floor) and python3-matplotlib (bench/chart.py); wrk and PostgreSQL (with pg_stat_statements)
# come from the base list. These are ~40 packages the tests never use, so they are installed only
# when asked for: bench/run.sh runs `ME_DEPS_BENCH=1 scripts/install-deps.sh`.
# (The image's policy-rc.d keeps nginx's own service from starting on install.)
if [ "${ME_DEPS_BENCH:-0}" = 1 ]; then
  APT_PACKAGES+=(nginx-light python3-matplotlib prometheus-postgres-exporter)
fi
