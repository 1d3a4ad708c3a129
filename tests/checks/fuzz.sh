#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets in tests/fuzz/ with clang (ASan+UBSan) and runs each for a
# bounded time from the corpus kept in the repo (new inputs go to a scratch copy). A crash, leak,
# timeout or sanitizer report fails the check and leaves the reproducer in the build tree.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
seconds=${ME_FUZZ_SECONDS:-20}
command -v clang++ >/dev/null || fail "clang++ missing (Debian packages clang-14 libclang-rt-14-dev)"
build="$ME_BUILD_DIR/fuzz-build"
CC=clang CXX=clang++ cmake -S "$ME_SOURCE_DIR" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DME_TESTS=OFF -DME_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target config_fuzz dsn_fuzz http_request_fuzz label_value_fuzz >"$build.log" 2>&1 ||
  { tail -30 "$build.log"; fail "fuzz build failed"; }
for target in config dsn http_request label_value; do
  scratch=$(mktemp -d)
  cp "$ME_SOURCE_DIR/tests/fuzz/corpus/$target/"* "$scratch/"
  mkdir -p "$build/crashes/$target"
  if ! "$build/${target}_fuzz" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
      -artifact_prefix="$build/crashes/$target/" "$scratch" >"$build/$target.log" 2>&1; then
    tail -40 "$build/$target.log"
    fail "$target fuzzer found a problem (reproducer in $build/crashes/$target/)"
  fi
  runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$build/$target.log")
  pass "$target: $runs inputs in ${seconds}s, no crash, leak or sanitizer report"
  rm -rf "$scratch"
done
