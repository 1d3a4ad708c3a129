# shellcheck shell=bash
# Dependencies of the alerts, Alertmanager and Grafana checks (tests/checks/alerts.sh,
# alertmanager.sh, dashboards.sh), of the mixin that generates alerts/ and grafana/ (jsonnet, which
# brings jsonnetfmt, and python3-yaml: mixin/render.sh, tests/checks/mixin_render.sh) and of the end-to-end alert
# proof: promtool and a real Prometheus, amtool and a real Alertmanager (Debian starts no service for it here: the checks run their own
# process on a free loopback port), and the npm tools that turn @grafana/schema's Dashboard type into
# a JSON schema and validate the dashboards against it. Sourced by scripts/install-deps.sh.
observability_repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Node.js and npm come with the machine image (a newer build than Debian's nodejs, which must not
# replace it), so they are not listed here; the checks fail loudly when node is missing.
APT_PACKAGES+=(prometheus prometheus-alertmanager curl jq jsonnet python3-yaml)
NPM_DIRS+=("$observability_repo_root/tests/tools/grafana")
