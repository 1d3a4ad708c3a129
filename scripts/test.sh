#!/usr/bin/env bash
# The test command (README, CI): install what is missing, build with warnings as errors, run the
# whole suite against a throwaway PostgreSQL that ctest starts and stops; then build again with
# AddressSanitizer + UndefinedBehaviorSanitizer and run every test that exercises our binary.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=$(nproc)

scripts/install-deps.sh

run_suite() {
  local dir=$1 label_args=$2; shift 2
  cmake -S . -B "$dir" -G Ninja -DME_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  # shellcheck disable=SC2086
  (cd "$dir" && ctest --output-on-failure -j "$jobs" $label_args)
}

# Debug information is most of the compile and link time of these template-heavy sources and
# nothing in the suite reads it: the release pass builds without it, the sanitizer pass with line
# tables only (-g1), enough for ASan's and UBSan's stack traces to name file and line.
echo "== release build (-Werror) and full suite"
run_suite build-ci "" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG"
if [ "${ME_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== ASan+UBSan build and the tests that run our code (static and external checks left out)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan "-LE static|external" -DME_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-g1"
fi
echo "all test passes finished"
