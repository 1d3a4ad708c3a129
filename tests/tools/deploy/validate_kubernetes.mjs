// Validates deploy/kubernetes/: every manifest against the compiled Kubernetes and Prometheus
// Operator validators plus strict field names, then the promises between the files (sidecar in both
// forms, Secret/ConfigMap wiring, probes, resources, selectors and ports of Service and monitors,
// the plain Prometheus job finding the exporter through the pod annotations).
// Writes to <out dir>: prometheus.yml for promtool, and config.toml (password_file pointed at a
// stand-in file there) for the exporter's own --check-config.
// Usage: node validate_kubernetes.mjs <deploy/kubernetes dir> <out dir>
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { stringify } from "yaml";
import { readYamlDocuments, readYamlDocument } from "./lib/yaml_documents.mjs";
import { modelProblems } from "./lib/kubernetes_models.mjs";

const [dir, outDir] = process.argv.slice(2);
const problems = [];
const verified = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);

// --- 1. every manifest: parses strictly, validates, has no unknown field.
const objects = [];
const manifestFiles = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== "prometheus.yml" && f !== "kustomization.yaml").sort();
for (const file of manifestFiles) {
  let documents;
  try {
    documents = readYamlDocuments(join(dir, file), { version: "1.1" });
  } catch (e) {
    fail(file, e.message);
    continue;
  }
  for (const manifest of documents) {
    const where = `${file} ${manifest.kind}/${manifest.metadata?.name}`;
    const found = await modelProblems(manifest);
    for (const p of found) fail(where, p);
    if (found.some((p) => p.startsWith("no validator"))) continue;
    objects.push({ file, where, manifest });
  }
}
verified.push(`${objects.length} manifests in ${manifestFiles.length} files pass the kubernetes-models / ` +
  `prometheus-operator validators with no unknown field`);

const ofKind = (kind) => objects.filter((o) => o.manifest.kind === kind);
const one = (kind) => {
  const found = ofKind(kind);
  if (found.length !== 1) fail(dir, `expected exactly one ${kind}, found ${found.length}`);
  return found[0];
};
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;

// --- 2. Secret and ConfigMap: the config file parses and follows the exporter's config format.
const secret = one("Secret");
// The exporter's ConfigMap holds config.toml; others (migration files for the sources) may sit beside it.
const configMaps = ofKind("ConfigMap");
const configMap = configMaps.filter((c) => c.manifest.data?.["config.toml"] !== undefined).length === 1
  ? configMaps.find((c) => c.manifest.data?.["config.toml"] !== undefined)
  : one("ConfigMap");
let config = null;
if (configMap) {
  try {
    config = parseToml(configMap.manifest.data?.["config.toml"] ?? "");
  } catch (e) {
    fail(configMap.where, `config.toml is not valid TOML: ${e.message}`);
  }
}
if (config) {
  const targets = config.targets ?? [];
  if (!targets.length) fail(configMap.where, "config.toml has no [[targets]]");
  for (const target of targets) {
    for (const key of Object.keys(target))
      if (!["name", "dsn", "password_env", "password_file"].includes(key)) fail(configMap.where, `target key ${key} is not a target setting`);
    if (!target.name || !target.dsn) fail(configMap.where, "every target needs name and dsn");
    if (/password=/.test(target.dsn)) fail(configMap.where, "a password sits in the DSN of the ConfigMap: use password_file");
  }
  for (const [name, settings] of Object.entries(config.collectors ?? {}))
    for (const key of Object.keys(settings))
      if (!["enabled", "interval", "sources"].includes(key)) fail(configMap.where, `collectors.${name}.${key}: the example keeps to enabled/interval/sources`);
  verified.push(`config.toml in the ConfigMap parses: ${targets.length} target(s), password from a file`);
  const standIn = join(outDir, "password");
  writeFileSync(standIn, "stand-in\n");
  const forExporter = configMap.manifest.data["config.toml"].replace(/password_file = "[^"]*"/g, `password_file = "${standIn}"`);
  writeFileSync(join(outDir, "config.toml"), forExporter);
}

// --- 3. both sidecar forms, wired to the Secret and the ConfigMap, probed, sized, locked down.
const deployments = ofKind("Deployment");
const exporterOf = (spec) => {
  const isExporter = (c) => /(^|\/)migration_exporter(:|@|$)/.test(c.image ?? "");
  const init = (spec.initContainers ?? []).find(isExporter);
  if (init) return { container: init, form: "native" };
  const regular = (spec.containers ?? []).find(isExporter);
  return regular ? { container: regular, form: "classic" } : null;
};
const forms = new Set();
let podLabels = null;
let exporterPortName = null;
let annotations = null;
for (const { where, manifest } of deployments) {
  const template = manifest.spec?.template ?? {};
  const pod = template.spec ?? {};
  if (!matches(manifest.spec?.selector?.matchLabels, template.metadata?.labels))
    fail(where, "spec.selector does not select the pod template's labels");
  podLabels = template.metadata?.labels;
  annotations = template.metadata?.annotations ?? {};
  const found = exporterOf(pod);
  if (!found) {
    fail(where, "no migration_exporter container");
    continue;
  }
  const { container, form } = found;
  forms.add(form);
  if (form === "native" && container.restartPolicy !== "Always")
    fail(where, "a native sidecar is an init container with restartPolicy: Always");
  if (!(pod.containers ?? []).some((c) => c !== container)) fail(where, "no application container beside the exporter");

  const port = (container.ports ?? []).find((p) => p.containerPort === 10211);
  if (!port?.name) fail(where, "the exporter must declare a named containerPort 10211");
  exporterPortName = port?.name;
  if (!(container.args ?? []).includes("--web.listen-address=:10211")) fail(where, "args must set --web.listen-address=:10211");

  const probe = (name, path) => {
    const get = container[name]?.httpGet;
    if (get?.path !== path || (get.port !== port?.name && get.port !== 10211)) fail(where, `${name} must GET ${path} on the exporter port`);
  };
  probe("livenessProbe", "/healthz");
  probe("readinessProbe", "/readyz");
  const resources = container.resources ?? {};
  for (const need of ["requests.cpu", "requests.memory", "limits.memory"]) {
    const [group, key] = need.split(".");
    if (!resources[group]?.[key]) fail(where, `exporter resources.${need} is not set`);
  }

  const security = container.securityContext ?? {};
  if (pod.securityContext?.runAsNonRoot !== true) fail(where, "pod securityContext.runAsNonRoot must be true");
  if (security.runAsUser !== 10211) fail(where, "the exporter runs as the image's uid 10211");
  if (security.readOnlyRootFilesystem !== true || security.allowPrivilegeEscalation !== false)
    fail(where, "the exporter needs readOnlyRootFilesystem: true and allowPrivilegeEscalation: false");
  if (!(security.capabilities?.drop ?? []).includes("ALL")) fail(where, "the exporter drops ALL capabilities");

  // Connection from the Secret: DATA_SOURCE_NAME from a key, or the config's password_file.
  const secretName = secret?.manifest.metadata.name;
  const secretKeys = Object.keys({ ...secret?.manifest.stringData, ...secret?.manifest.data });
  const dsnEnv = (container.env ?? []).find((e) => e.name === "DATA_SOURCE_NAME");
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const mounts = container.volumeMounts ?? [];
  let connection = null;
  if (dsnEnv) {
    const ref = dsnEnv.valueFrom?.secretKeyRef;
    if (!ref || ref.name !== secretName || !secretKeys.includes(ref.key))
      fail(where, `DATA_SOURCE_NAME must come from a key of Secret ${secretName}`);
    connection = `DATA_SOURCE_NAME from Secret ${secretName}`;
  }
  const configMount = mounts.find((m) => m.mountPath === "/etc/migration_exporter/config.toml"
    && volumes.get(m.name)?.configMap?.name === configMap?.manifest.metadata.name && m.subPath === "config.toml");
  if (configMount) {
    for (const target of config?.targets ?? []) {
      if (!target.password_file) continue;
      const secretMount = mounts.find((m) => target.password_file.startsWith(m.mountPath + "/")
        && volumes.get(m.name)?.secret?.secretName === secretName);
      const item = target.password_file.slice((secretMount?.mountPath.length ?? 0) + 1);
      const items = volumes.get(secretMount?.name)?.secret?.items;
      const key = items ? items.find((i) => i.path === item)?.key : item;
      if (!secretMount || !secretKeys.includes(key))
        fail(where, `password_file ${target.password_file} is not a key of Secret ${secretName} mounted in the exporter`);
      // Secret files are owned by root: uid 10211 reads them through "other" bits, or through the
      // group bits when the pod sets fsGroup 10211.
      const secretVolume = volumes.get(secretMount?.name)?.secret;
      const mode = items?.find((i) => i.path === item)?.mode ?? secretVolume?.defaultMode ?? 0o644;
      const readable = (mode & 0o004) !== 0 || ((mode & 0o040) !== 0 && pod.securityContext?.fsGroup === 10211);
      if (!readable) fail(where, `password_file mode 0${mode.toString(8)} is not readable by uid 10211`);
    }
    connection = `config.toml from ConfigMap ${configMap.manifest.metadata.name}, password_file from Secret ${secretName}`;
  }
  if (!connection) fail(where, "the exporter gets its connection neither from DATA_SOURCE_NAME nor from the ConfigMap");
  verified.push(`${where}: ${form} sidecar, ${connection}, liveness /healthz, readiness /readyz, ` +
    `requests ${resources.requests?.cpu}/${resources.requests?.memory}, limit ${resources.limits?.memory}, non-root read-only`);

  if (annotations["prometheus.io/scrape"] !== "true" || annotations["prometheus.io/port"] !== "10211")
    fail(where, "pod annotations prometheus.io/scrape=\"true\" and prometheus.io/port=\"10211\" are missing");
}
for (const form of ["native", "classic"]) if (!forms.has(form)) fail(dir, `no Deployment with the ${form} sidecar form`);

// --- 4. Service and the Operator's monitors find the exporter port, and name the job as the
// shipped alerts expect (up{job="migration_exporter"}).
const alertJob = "migration_exporter";
const setsJob = (endpoint) => (endpoint.relabelings ?? []).some((r) =>
  r.targetLabel === "job" && r.replacement === alertJob && (r.action ?? "replace") === "replace" && !r.sourceLabels);
const service = one("Service");
if (service) {
  const spec = service.manifest.spec ?? {};
  if (!matches(spec.selector, podLabels)) fail(service.where, "selector does not match the pods");
  const port = (spec.ports ?? []).find((p) => p.targetPort === exporterPortName || p.targetPort === 10211);
  if (!port?.name) fail(service.where, `no named port targeting ${exporterPortName}`);
  verified.push(`${service.where}: selects the pods, port ${port?.name} -> ${port?.targetPort}`);
}
const podMonitor = one("PodMonitor");
if (podMonitor) {
  const spec = podMonitor.manifest.spec;
  if (!matches(spec.selector?.matchLabels, podLabels)) fail(podMonitor.where, "selector does not match the pods");
  if (!spec.podMetricsEndpoints?.some((e) => e.port === exporterPortName && (e.path ?? "/metrics") === "/metrics"))
    fail(podMonitor.where, `no endpoint on port ${exporterPortName} path /metrics`);
  if (!spec.podMetricsEndpoints?.every(setsJob)) fail(podMonitor.where, `every endpoint must relabel job to ${alertJob}`);
  verified.push(`${podMonitor.where}: selects the pods, scrapes port ${exporterPortName} as job ${alertJob}`);
}
const serviceMonitor = one("ServiceMonitor");
if (serviceMonitor && service) {
  const spec = serviceMonitor.manifest.spec;
  const servicePorts = (service.manifest.spec?.ports ?? []).map((p) => p.name);
  if (!matches(spec.selector?.matchLabels, service.manifest.metadata?.labels)) fail(serviceMonitor.where, "selector does not match the Service");
  if (!spec.endpoints?.some((e) => servicePorts.includes(e.port))) fail(serviceMonitor.where, "no endpoint on a port of the Service");
  if (!spec.endpoints?.every(setsJob)) fail(serviceMonitor.where, `every endpoint must relabel job to ${alertJob}`);
  verified.push(`${serviceMonitor.where}: selects the Service, scrapes port ${spec.endpoints?.[0]?.port} as job ${alertJob}`);
}

// --- 5. The plain Prometheus job: simulate its relabelling on the pods Kubernetes discovery would
// report (one target per declared container port, init containers included) and expect exactly
// one target per pod, on the exporter port and path. Then hand promtool a copy whose discovery is
// static (Debian's Prometheus is built without Kubernetes discovery) so it checks the rest.
const scrape = readYamlDocument(join(dir, "prometheus.yml"));
const job = scrape.scrape_configs?.find((j) => j.kubernetes_sd_configs?.some((sd) => sd.role === "pod"));
if (!job) fail("prometheus.yml", "no scrape job with kubernetes_sd_configs role: pod");
else if (job.job_name !== alertJob) fail("prometheus.yml", `the job must be named ${alertJob} (the alerts select it)`);
const metaName = (s) => s.replace(/[^a-zA-Z0-9_]/g, "_");
const relabel = (labels, rules) => {
  for (const rule of rules ?? []) {
    const value = (rule.source_labels ?? []).map((l) => labels[l] ?? "").join(rule.separator ?? ";");
    const regex = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`);
    const action = rule.action ?? "replace";
    const match = regex.exec(value);
    if (action === "keep" && !match) return null;
    if (action === "drop" && match) return null;
    if (action === "replace" && match) {
      const result = value.replace(regex, (rule.replacement ?? "$1").replace(/\$\{?(\d+)\}?/g, "$$$1"));
      labels[rule.target_label] = result;
    }
  }
  return labels;
};
for (const { where, manifest } of deployments) {
  const template = manifest.spec.template;
  const pod = template.spec;
  const containers = [...(pod.initContainers ?? []).map((c) => [c, "true"]), ...pod.containers.map((c) => [c, "false"])];
  const base = { __meta_kubernetes_namespace: "shop", __meta_kubernetes_pod_name: "shop-0", __meta_kubernetes_pod_ip: "10.1.2.3" };
  for (const [k, v] of Object.entries(template.metadata.labels ?? {})) base[`__meta_kubernetes_pod_label_${metaName(k)}`] = v;
  for (const [k, v] of Object.entries(template.metadata.annotations ?? {})) base[`__meta_kubernetes_pod_annotation_${metaName(k)}`] = v;
  const targets = new Set();
  for (const [container, init] of containers) {
    for (const port of container.ports ?? []) {
      const labels = relabel({ ...base, __address__: `10.1.2.3:${port.containerPort}`, __metrics_path__: "/metrics", __scheme__: "http",
        __meta_kubernetes_pod_container_name: container.name, __meta_kubernetes_pod_container_init: init,
        __meta_kubernetes_pod_container_port_name: port.name ?? "", __meta_kubernetes_pod_container_port_number: String(port.containerPort) },
        job?.relabel_configs);
      if (labels) targets.add(`${labels.__scheme__}://${labels.__address__}${labels.__metrics_path__}`);
    }
  }
  const expected = "http://10.1.2.3:10211/metrics";
  if (targets.size !== 1 || !targets.has(expected))
    fail(`prometheus.yml on ${where}`, `discovers [${[...targets].join(", ")}], expected exactly ${expected}`);
  else verified.push(`prometheus.yml job ${job.job_name} on ${where}: one target ${expected}`);
}
if (job) {
  const copy = structuredClone(scrape);
  for (const j of copy.scrape_configs) {
    if (!j.kubernetes_sd_configs) continue;
    delete j.kubernetes_sd_configs;
    j.static_configs = [{ targets: ["127.0.0.1:10211"] }];
  }
  writeFileSync(join(outDir, "prometheus.yml"), stringify(copy));
}

if (problems.length) {
  console.error(problems.map((p) => `FAIL: ${p}`).join("\n"));
  process.exit(1);
}
console.log(verified.join("\n"));
