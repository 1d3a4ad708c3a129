// Validates the Datadog and CloudWatch examples against the exporter's metric contract: every
// metric they name exists (no typo silently collects nothing), every CloudWatch dimension is a
// label the selected metrics carry or the agent/scrape config adds, and the selectors, matchers
// and units are well-formed. Writes each CloudWatch prometheus.yaml, with Kubernetes discovery
// swapped for a static target, to <out dir> for promtool.
// With a /metrics body as third argument, also lists which configured names that body lacks.
// Usage: node validate_platforms.mjs <deploy dir> <out dir> [metrics body]
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { readYamlDocument } from "./lib/yaml_documents.mjs";
import { metricContract } from "./lib/metric_contract.mjs";

const [deployDir, outDir, metricsBody] = process.argv.slice(2);
const problems = [];
const verified = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);
const contractNames = Object.keys(metricContract);
const referenced = new Set();

// --- Datadog: the OpenMetrics check (latest mode).
const datadogFile = join(deployDir, "datadog", "conf.yaml");
const datadog = readYamlDocument(datadogFile);
const instances = datadog.instances ?? [];
if (!("init_config" in datadog) || instances.length === 0) fail(datadogFile, "needs init_config and at least one instance");
for (const [i, instance] of instances.entries()) {
  const where = `${datadogFile} instances[${i}]`;
  if (!/^https?:\/\/[^/]+:10211\/metrics$/.test(instance.openmetrics_endpoint ?? ""))
    fail(where, "openmetrics_endpoint must be http(s)://<host>:10211/metrics (latest mode, not prometheus_url)");
  if (!/^\w+$/.test(instance.namespace ?? "")) fail(where, "namespace must be set (a word)");
  for (const entry of instance.metrics ?? []) {
    const names = typeof entry === "string" ? [entry] : Object.keys(entry);
    for (const name of names) {
      // The check reads entries as regular expressions over the exposed family names; counters are
      // exposed without their _total suffix there.
      const pattern = new RegExp(`^(?:${name})$`);
      const hits = contractNames.filter((m) => pattern.test(m) || pattern.test(m.replace(/_total$/, "")));
      if (!hits.length) fail(where, `metric ${name} is not one the exporter exports`);
      hits.forEach((h) => referenced.add(h));
    }
  }
  verified.push(`${datadogFile}: ${(instance.metrics ?? []).length} metrics, all in the exporter's contract, endpoint ${instance.openmetrics_endpoint}`);
}

// --- CloudWatch agent: EKS and ECS flavours.
for (const flavour of ["eks", "ecs"]) {
  const dir = join(deployDir, "cloudwatch", flavour);
  const configFile = join(dir, "cwagentconfig.json");
  const scrapeFile = join(dir, "prometheus.yaml");
  let config;
  try {
    config = JSON.parse(readFileSync(configFile, "utf8"));
  } catch (e) {
    fail(configFile, `not valid JSON: ${e.message}`);
    continue;
  }
  const prometheus = config.logs?.metrics_collected?.prometheus;
  if (!prometheus) {
    fail(configFile, "no logs.metrics_collected.prometheus section");
    continue;
  }
  for (const key of ["cluster_name", "log_group_name", "prometheus_config_path"])
    if (!prometheus[key]) fail(configFile, `prometheus.${key} is missing`);
  if (!/\/prometheus\.yaml$/.test(prometheus.prometheus_config_path ?? "")) fail(configFile, "prometheus_config_path must name the prometheus.yaml shipped beside it");

  // Labels the targets carry besides the metrics' own: what the scrape config relabels into
  // target labels, what ECS discovery adds, and ClusterName, which the agent adds itself.
  const scrape = readYamlDocument(scrapeFile);
  const targetLabels = new Set(["ClusterName", "job", "instance"]);
  for (const job of scrape.scrape_configs ?? [])
    for (const rule of job.relabel_configs ?? []) if (rule.target_label && !rule.target_label.startsWith("__")) targetLabels.add(rule.target_label);
  if (flavour === "ecs") {
    const sd = prometheus.ecs_service_discovery;
    if (!sd?.docker_label?.sd_port_label || !sd?.sd_result_file) fail(configFile, "ecs_service_discovery needs docker_label.sd_port_label and sd_result_file");
    const files = (scrape.scrape_configs ?? []).flatMap((j) => (j.file_sd_configs ?? []).flatMap((f) => f.files));
    if (!files.includes(sd?.sd_result_file)) fail(scrapeFile, `no file_sd_configs reading ${sd?.sd_result_file} (the agent's discovery output)`);
    ["TaskDefinitionFamily", "container_name", "LaunchType", "TaskRevision", "TaskGroup"].forEach((l) => targetLabels.add(l));
  } else {
    const job = (scrape.scrape_configs ?? []).find((j) => j.job_name === "migration_exporter");
    if (!job?.kubernetes_sd_configs) fail(scrapeFile, "no job migration_exporter with kubernetes_sd_configs");
  }

  const emf = prometheus.emf_processor ?? {};
  if (!emf.metric_namespace) fail(configFile, "emf_processor.metric_namespace is missing");
  const validUnits = new Set(["Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
    "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"]);
  for (const [name, unit] of Object.entries(emf.metric_unit ?? {})) {
    if (!metricContract[name]) fail(configFile, `metric_unit names ${name}, which the exporter does not export`);
    if (!validUnits.has(unit)) fail(configFile, `metric_unit ${name}: ${unit} is not a CloudWatch unit`);
    if (name.endsWith("_seconds") && unit !== "Seconds") fail(configFile, `metric_unit ${name}: a _seconds metric is in Seconds`);
  }
  let selectedCount = 0;
  for (const [i, declaration] of (emf.metric_declaration ?? []).entries()) {
    const where = `${configFile} metric_declaration[${i}]`;
    try {
      new RegExp(declaration.label_matcher);
    } catch (e) {
      fail(where, `label_matcher: ${e.message}`);
    }
    if (!(declaration.source_labels ?? []).every((l) => targetLabels.has(l))) fail(where, "source_labels must be target labels");
    const selected = new Set();
    for (const selector of declaration.metric_selectors ?? []) {
      let pattern;
      try {
        pattern = new RegExp(selector);
      } catch (e) {
        fail(where, `metric_selectors ${selector}: ${e.message}`);
        continue;
      }
      const hits = contractNames.filter((m) => pattern.test(m));
      if (!hits.length) fail(where, `metric_selectors ${selector} selects nothing the exporter exports`);
      for (const h of hits) {
        if (metricContract[h].type !== "gauge") fail(where, `${h} is a ${metricContract[h].type}: select gauges only (EMF takes no buckets)`);
        selected.add(h);
        referenced.add(h);
      }
    }
    selectedCount += selected.size;
    // EMF drops a metric under a dimension set naming a label it lacks: every selected metric must
    // carry every dimension of every set.
    for (const dimensions of declaration.dimensions ?? []) {
      for (const metric of selected) {
        const labels = new Set([...metricContract[metric].labels, ...targetLabels]);
        const lacking = dimensions.filter((d) => !labels.has(d));
        if (lacking.length) fail(where, `${metric} has no label ${lacking.join(", ")} for dimensions [${dimensions.join(", ")}]`);
        const unused = metricContract[metric].labels.filter((l) => !dimensions.includes(l) && l !== "target");
        if (unused.length) fail(where, `${metric} would collapse series differing in ${unused.join(", ")}: add them to the dimensions`);
      }
    }
  }
  verified.push(`${configFile}: ${(emf.metric_declaration ?? []).length} metric declarations select ${selectedCount} exported gauges, ` +
    `every dimension carried by its metrics, units valid`);

  // promtool copy: Kubernetes discovery swapped for a static target (not built into Debian's
  // Prometheus); the ECS discovery file is written by the agent at run time, so point it at an
  // empty one.
  const copy = structuredClone(scrape);
  for (const job of copy.scrape_configs ?? []) {
    if (job.kubernetes_sd_configs) {
      delete job.kubernetes_sd_configs;
      job.static_configs = [{ targets: ["127.0.0.1:10211"] }];
    }
    for (const f of job.file_sd_configs ?? []) {
      const empty = join(outDir, `${flavour}_sd.yaml`);
      writeFileSync(empty, "[]\n");
      f.files = [empty];
    }
  }
  writeFileSync(join(outDir, `${flavour}-prometheus.yaml`), stringify(copy));
}

if (metricsBody) {
  const body = existsSync(metricsBody) ? readFileSync(metricsBody, "utf8") : "";
  const exposed = new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  const absent = [...referenced].filter((m) => !exposed.has(m)).sort();
  console.log(absent.length
    ? `names configured for Datadog/CloudWatch but absent from this /metrics body: ${absent.join(", ")}`
    : `every name configured for Datadog/CloudWatch is in this /metrics body (${referenced.size} names)`);
}

if (problems.length) {
  console.error(problems.map((p) => `FAIL: ${p}`).join("\n"));
  process.exit(1);
}
console.log(verified.join("\n"));
