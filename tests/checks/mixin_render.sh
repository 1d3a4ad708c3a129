#!/usr/bin/env bash
# The shipped alerts/ and grafana/dashboards/ are the mixin's output: a fresh render of mixin/
# (mixin/render.sh into a scratch directory) must equal the committed files byte for byte, twice in
# a row (the output is stable), and every jsonnet source is formatted as jsonnetfmt formats it.
set -euo pipefail
src=${ME_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
for tool in jsonnet jsonnetfmt jq; do
  command -v "$tool" >/dev/null || { echo "mixin_render: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t sources < <(find "$src/mixin" -name '*.libsonnet' -o -name '*.jsonnet' | sort)
[ ${#sources[@]} -gt 0 ] || { echo "mixin_render: no jsonnet sources under mixin/" >&2; exit 1; }
unformatted=()
for f in "${sources[@]}"; do jsonnetfmt --test "$f" || unformatted+=("${f#"$src"/}"); done
[ ${#unformatted[@]} -eq 0 ] || { echo "mixin_render: not formatted (run jsonnetfmt -i): ${unformatted[*]}" >&2; exit 1; }

"$src/mixin/render.sh" "$work/a"
"$src/mixin/render.sh" "$work/b"
diff -r "$work/a" "$work/b" >/dev/null || { echo "mixin_render: two renders differ: the output is not stable" >&2; exit 1; }

# Every rendered file is committed unchanged, and no committed rules file or dashboard is left over
# from an alert group or dashboard the mixin no longer has.
status=0
for dir in alerts grafana/dashboards; do
  for f in "$work/a/$dir"/*; do
    name=${f#"$work/a/"}
    if ! diff -u "$src/$name" "$f" >"$work/diff" 2>&1; then
      head -n 40 "$work/diff" >&2
      echo "mixin_render: $name differs from a fresh render: run mixin/render.sh and commit the result" >&2
      status=1
    fi
  done
done
for f in "$src"/alerts/*.rules.yml "$src"/grafana/dashboards/*.json; do
  name=${f#"$src/"}
  [ -e "$work/a/$name" ] || { echo "mixin_render: $name is not produced by the mixin (remove it or add it to mixin/)" >&2; status=1; }
done
[ $status -eq 0 ] || exit 1
echo "mixin_render: ok: ${#sources[@]} jsonnet sources formatted; $(find "$work/a" -type f | wc -l) rendered files equal the committed ones, and two renders are identical"
