# shellcheck shell=bash
# The source style check (tests/checks/source_style.sh): clang-format for C++ against the root
# .clang-format, shellcheck for the shell scripts (sourced by scripts/install-deps.sh).
APT_PACKAGES+=(clang-format shellcheck git)
