# shellcheck shell=bash
# Real migration tools the history checks run against the throwaway cluster (sourced by
# scripts/install-deps.sh): Debian's Sqitch, Alembic, Django and ActiveRecord, and the npm tools
# pinned in tests/tools/history (Liquibase runs on the JRE installed here).
history_tools_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
APT_PACKAGES+=(
  sqitch libdbd-pg-perl
  python3-alembic python3-psycopg2 python3-django
  ruby-activerecord ruby-pg
  openjdk-17-jre-headless
)
NPM_DIRS+=("$history_tools_root/tests/tools/history")
