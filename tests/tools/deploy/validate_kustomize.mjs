// Validates one rendered kustomize overlay of deploy/kubernetes-overlays/ (kubectl kustomize output):
// every object against the kubernetes-models / Prometheus Operator validators with no unknown field,
// the wiring every overlay keeps (one native sidecar, after the init container that fills
// /migrations; every mounted ConfigMap and Secret rendered; probes on the exporter port without
// credentials), then the overlay's own promise: sidecar (namespace and labels, no monitors),
// monitoring (exactly one monitor, finding the exporter port as job migration_exporter), web-config
// (its Secret mounted, --web.config.file naming it, certificate and key from the same Secret,
// placeholders only, probes and the plain job's scheme HTTPS).
// Writes to <out dir>: config.toml (password_file pointed at a stand-in there) for the exporter's
// --check-config and, for web-config, web/ with every key of the web Secret (basic_auth_users set
// to <bcrypt hash>; the caller swaps in a throwaway certificate and key).
// Usage: node validate_kustomize.mjs <overlay name> <rendered.yaml> <out dir> [bcrypt hash]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { readYamlDocuments } from "./lib/yaml_documents.mjs";
import { modelProblems } from "./lib/kubernetes_models.mjs";

const [overlay, rendered, outDir, hash] = process.argv.slice(2);
const problems = [];
const verified = [];
const fail = (where, message) => problems.push(`${overlay}: ${where}: ${message}`);
const done = () => {
  if (problems.length) {
    console.error(problems.map((p) => `FAIL: ${p}`).join("\n"));
    process.exit(1);
  }
  console.log(verified.map((v) => `${overlay}: ${v}`).join("\n"));
};

// --- 1. every rendered object: validates, has no unknown field.
const objects = readYamlDocuments(rendered, { version: "1.1" });
for (const o of objects) for (const p of await modelProblems(o)) fail(`${o.kind}/${o.metadata?.name}`, p);
verified.push(`${objects.length} rendered objects pass the kubernetes-models / prometheus-operator validators with no unknown field`);

const kinds = objects.map((o) => o.kind).sort();
const ofKind = (kind) => objects.filter((o) => o.kind === kind);
const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const matches = (selector, labels) =>
  Object.keys(selector ?? {}).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const namespaces = new Set(objects.map((o) => o.metadata?.namespace ?? ""));
if (namespaces.size !== 1) fail("namespaces", `objects are spread over [${[...namespaces].join(", ")}]`);

// --- 2. the wiring every overlay keeps.
const deployments = ofKind("Deployment");
if (deployments.length !== 1) {
  fail("Deployment", `expected exactly one, found ${deployments.length}`);
  done();
}
const deployment = deployments[0];
const template = deployment.spec?.template ?? {};
const pod = template.spec ?? {};
const inits = pod.initContainers ?? [];
const at = inits.findIndex((c) => /(^|\/)migration_exporter(:|@|$)/.test(c.image ?? ""));
const exporter = inits[at];
if (!exporter || exporter.restartPolicy !== "Always") {
  fail("Deployment", "no native sidecar (an init container running migration_exporter with restartPolicy: Always)");
  done();
}
// A strategic merge patch on initContainers moves the patched one first: the exporter would start
// before its migration files are copied.
const fillsMigrations = inits.findIndex((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === "/migrations" && !m.readOnly));
if (fillsMigrations > at) fail("Deployment", `the exporter (init container ${at}) starts before ${inits[fillsMigrations].name} fills /migrations`);
const portName = (exporter.ports ?? []).find((p) => p.containerPort === 10211)?.name;
const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
for (const [name, volume] of volumes) {
  const ref = volume.configMap ? ["ConfigMap", volume.configMap.name] : volume.secret ? ["Secret", volume.secret.secretName] : null;
  if (ref && !named(...ref)) fail(`volume ${name}`, `${ref[0]} ${ref[1]} is not in the rendered output`);
}
const probes = ["startupProbe", "livenessProbe", "readinessProbe"].filter((p) => exporter[p]);
for (const name of probes) {
  const get = exporter[name].httpGet;
  const path = name === "readinessProbe" ? "/readyz" : "/healthz";
  if (get?.path !== path || get.port !== portName) fail(name, `must GET ${path} on port ${portName}`);
  if ((get?.httpHeaders ?? []).some((h) => /^authorization$/i.test(h.name)))
    fail(name, "carries an Authorization header: the probes are answered without credentials");
}
const schemes = new Set(probes.map((p) => exporter[p].httpGet?.scheme ?? "HTTP"));
verified.push(`${deployment.metadata.name}: native sidecar, after ${inits[fillsMigrations]?.name ?? "no init container"} fills /migrations, ` +
  `every mounted ConfigMap/Secret rendered, ${probes.length} probes over ${[...schemes].join("/")} without credentials`);

const configMap = ofKind("ConfigMap").find((c) => c.data?.["config.toml"] !== undefined);
if (!configMap) fail("ConfigMap", "none holds config.toml");
else {
  const standIn = join(outDir, "password");
  writeFileSync(standIn, "stand-in\n");
  writeFileSync(join(outDir, "config.toml"),
    configMap.data["config.toml"].replace(/password_file = "[^"]*"/g, `password_file = "${standIn}"`));
}

// --- 3. what the overlay is for.
const monitors = [...ofKind("PodMonitor"), ...ofKind("ServiceMonitor")];
const expectKinds = (expected) => {
  if (kinds.join(",") !== [...expected].sort().join(","))
    fail("kinds", `rendered [${kinds.join(", ")}], expected [${[...expected].sort().join(", ")}]`);
};
const alertJob = "migration_exporter";
const setsJob = (endpoint) => (endpoint.relabelings ?? []).some((r) =>
  r.targetLabel === "job" && r.replacement === alertJob && (r.action ?? "replace") === "replace" && !r.sourceLabels);

if (overlay === "sidecar") {
  expectKinds(["ConfigMap", "Deployment", "Secret", "Service"]);
  if (!namespaces.has("shop")) fail("namespace", "every object belongs in namespace shop");
  for (const o of objects)
    if (o.metadata?.labels?.["app.kubernetes.io/part-of"] !== "shop") fail(`${o.kind}/${o.metadata?.name}`, "lacks label app.kubernetes.io/part-of=shop");
  // Selectors are immutable on a Deployment: the overlay's labels must stay out of them.
  const selector = deployment.spec?.selector?.matchLabels ?? {};
  if (Object.keys(selector).join() !== "app.kubernetes.io/name") fail("Deployment", `selector changed: ${JSON.stringify(selector)}`);
  if (!matches(selector, template.metadata?.labels)) fail("Deployment", "selector does not select the pod template");
  verified.push("namespace shop and label part-of=shop on every object, selectors untouched, no Operator monitor");
} else if (overlay === "monitoring") {
  if (monitors.length !== 1) fail("monitors", `expected exactly one PodMonitor or ServiceMonitor (each target is scraped once), found ${monitors.length}`);
  expectKinds(["ConfigMap", "Deployment", "Secret", "Service", ...monitors.map((m) => m.kind)]);
  const service = ofKind("Service")[0];
  for (const monitor of monitors) {
    const where = `${monitor.kind}/${monitor.metadata.name}`;
    const endpoints = monitor.spec?.podMetricsEndpoints ?? monitor.spec?.endpoints ?? [];
    if (!endpoints.length || !endpoints.every(setsJob)) fail(where, `every endpoint must relabel job to ${alertJob}`);
    if (monitor.kind === "PodMonitor") {
      if (!matches(monitor.spec.selector?.matchLabels, template.metadata?.labels)) fail(where, "selector does not match the pods");
      if (!endpoints.some((e) => e.port === portName && (e.path ?? "/metrics") === "/metrics")) fail(where, `no endpoint on port ${portName} path /metrics`);
      verified.push(`${where} alone: selects the pods, scrapes port ${portName} as job ${alertJob}`);
    } else {
      const ports = service?.spec?.ports ?? [];
      if (!matches(monitor.spec.selector?.matchLabels, service?.metadata?.labels)) fail(where, "selector does not match the Service's labels");
      if (!matches(service?.spec?.selector, template.metadata?.labels)) fail(where, "the Service does not select the pods");
      const port = ports.find((p) => endpoints.some((e) => e.port === p.name));
      if (!port || (port.targetPort !== portName && port.targetPort !== 10211)) fail(where, `no endpoint on a Service port targeting ${portName}`);
      verified.push(`${where} alone: selects Service ${service?.metadata?.name}, port ${port?.name} -> ${port?.targetPort}, as job ${alertJob}`);
    }
  }
} else if (overlay === "web-config") {
  expectKinds(["ConfigMap", "Deployment", "Secret", "Secret", "Service"]);
  const flag = (exporter.args ?? []).find((a) => a.startsWith("--web.config.file="));
  const file = flag?.slice("--web.config.file=".length) ?? "";
  const mount = (exporter.volumeMounts ?? []).find((m) => file.startsWith(m.mountPath + "/") && !m.subPath);
  const volume = volumes.get(mount?.name)?.secret;
  const secret = named("Secret", volume?.secretName);
  const values = { ...secret?.stringData };
  for (const [k, v] of Object.entries(secret?.data ?? {})) values[k] = Buffer.from(v, "base64").toString();
  const key = file.slice((mount?.mountPath.length ?? 0) + 1);
  if (!flag) fail("exporter", "args do not pass --web.config.file");
  else if (!secret || values[key] === undefined) fail("exporter", `${file} is not a key of a Secret mounted (as a folder) in the exporter`);
  else {
    const mode = volume.defaultMode ?? 0o644;
    if ((mode & 0o004) === 0 && !((mode & 0o040) !== 0 && pod.securityContext?.fsGroup === 10211))
      fail(`volume ${mount.name}`, `mode 0${mode.toString(8)} is not readable by uid 10211`);
    const web = parseYaml(values[key]);
    const tls = web?.tls_server_config ?? {};
    for (const name of ["cert_file", "key_file"])
      if (values[tls[name]] === undefined) fail(key, `tls_server_config.${name} (${tls[name]}) is not a key of Secret ${secret.metadata.name}`);
    const users = Object.keys(web?.basic_auth_users ?? {});
    if (!users.length) fail(key, "no basic_auth_users");
    // Examples ship placeholders only: a real key or hash in the repository would be used as is.
    for (const [k, v] of Object.entries(values))
      if (k !== key && !v.includes("REPLACE")) fail(`Secret ${secret.metadata.name}`, `${k} is not a placeholder`);
    for (const user of users)
      if (!String(web.basic_auth_users[user]).includes("REPLACE")) fail(key, `the hash of ${user} is not a placeholder`);
    const dir = join(outDir, "web");
    mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(values)) writeFileSync(join(dir, k), v);
    for (const user of users) web.basic_auth_users[user] = hash ?? "";
    writeFileSync(join(dir, key), stringify(web));
    verified.push(`Secret ${secret.metadata.name} mounted at ${mount.mountPath}, --web.config.file=${file}, TLS from ` +
      `${tls.cert_file}/${tls.key_file} of the same Secret, basic auth for ${users.join(", ")}, placeholders only`);
  }
  if (schemes.size !== 1 || !schemes.has("HTTPS") || probes.length !== 3) fail("probes", "all three probes must use scheme HTTPS");
  if (template.metadata?.annotations?.["prometheus.io/scheme"] !== "https") fail("pod", "annotation prometheus.io/scheme must be https for the plain job");
  verified.push("startup/liveness/readiness probes and prometheus.io/scheme on HTTPS, no Operator monitor");
} else {
  fail("overlay", "unknown: this validator knows sidecar, monitoring and web-config");
}
done();
