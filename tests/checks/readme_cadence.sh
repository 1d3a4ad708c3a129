#!/usr/bin/env bash
# Static check: README's "Refresh cadence of every family" table lists every collector the binary
# registers, with the default interval the binary's --help prints, and nothing else.
set -euo pipefail
src=${ME_SOURCE_DIR:?ME_SOURCE_DIR is not set}
[ -x "${ME_BIN:-}" ] || { echo "FAIL: the exporter binary (ME_BIN=${ME_BIN:-unset}) is missing: build first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ME_BIN" --help | awk '/^Collectors/ { on = 1; next } on && $1 ~ /^[a-z_]+$/ && $2 ~ /^\[(on|off)\]$/ { print $1, $3 }' \
  | sort >"$work/binary"
awk '/^### Refresh cadence of every family/ { on = 1; next } on && /^### |^## / { exit }
     on && /^\| `[a-z_]+` \|/ { gsub(/`/, "", $2); print $2, $4 }' "$src/README.md" | sort >"$work/readme"
[ -s "$work/binary" ] || { echo "FAIL: no collector in --help" >&2; exit 1; }
if ! diff -u "$work/binary" "$work/readme" >"$work/diff"; then
  echo "FAIL: README's refresh cadence table (+) and the binary's --help (-) disagree:" >&2
  cat "$work/diff" >&2
  exit 1
fi
echo "README refresh cadence: $(wc -l <"$work/binary") collectors, each with the binary's default interval"
