# shellcheck shell=bash
# Dependencies of the deploy gate's checks: a real JUnit XML consumer (Debian's junitparser) for
# --output=junit in tests/checks/e2e_deploy_gate.sh (the JSON report is checked with ajv from
# tests/tools/deploy, scripts/deps/deploy.sh), and the CI examples' validators in tests/tools/gate
# (GitHub's workflow parser, GitLab's CI schema) for tests/checks/deploy_gate_examples.sh.
gate_deps_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Node.js and npm: listed by scripts/deps/deploy.sh.
APT_PACKAGES+=(python3-junitparser)
NPM_DIRS+=("$gate_deps_root/tests/tools/gate")
