#!/usr/bin/env bash
# Static check of the sources' form: every tracked C++ file is formatted as the root .clang-format
# says, and every tracked shell script passes shellcheck at error severity (the warnings it gives
# about variables set by sourced helpers are not errors).
set -euo pipefail
src=${ME_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$src"

for tool in clang-format shellcheck git; do
  command -v "$tool" >/dev/null || { echo "source_style: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "source_style: $src is not a git checkout (the check reads the tracked files)" >&2
  exit 1
fi

mapfile -t cpp < <(git ls-files '*.cpp' '*.h')
mapfile -t shell < <(git ls-files '*.sh' '*.bash')
[ ${#cpp[@]} -gt 0 ] && [ ${#shell[@]} -gt 0 ] || { echo "source_style: no sources found" >&2; exit 1; }

if ! clang-format --dry-run --Werror "${cpp[@]}"; then
  echo "source_style: the files above are not formatted: run clang-format -i on them" >&2
  exit 1
fi
shellcheck -x -S error "${shell[@]}"
echo "source_style: ok: ${#cpp[@]} C++ files formatted as .clang-format says, ${#shell[@]} shell scripts pass shellcheck -S error"
