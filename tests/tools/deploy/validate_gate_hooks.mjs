// Validates deploy/gate/argocd-hooks.yaml: each Job against the compiled Kubernetes validator with
// no unknown field, Argo CD's hook annotations (PreSync before the migration's wave, PostSync), and
// that the Jobs run the sidecar's image with its ConfigMap and Secret from deploy/kubernetes/, as
// the non-root user, with a deadline covering --wait. Writes each Job's `check` arguments, one
// JSON array per line, to <out file> for the binary to parse.
// Usage: node validate_gate_hooks.mjs <deploy dir> <out file>
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { Job } from "kubernetes-models/batch/v1";
import { readYamlDocuments } from "./lib/yaml_documents.mjs";
import { unknownFields, nodeModules } from "./lib/strict_fields.mjs";

const [deployDir, outFile] = process.argv.slice(2);
const file = join(deployDir, "gate", "argocd-hooks.yaml");
const problems = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);

const sidecar = readYamlDocuments(join(deployDir, "kubernetes", "deployment-native-sidecar.yaml"), { version: "1.1" })[0];
const exporter = sidecar.spec.template.spec.initContainers.find((c) => c.name === "migration-exporter");
const sidecarVolumes = new Map(sidecar.spec.template.spec.volumes.map((v) => [v.name, v]));
const jobs = readYamlDocuments(file, { version: "1.1" });
const phases = {};
for (const job of jobs) {
  const where = `${file} ${job.kind}/${job.metadata?.name}`;
  if (job.apiVersion !== "batch/v1" || job.kind !== "Job") {
    fail(where, "only batch/v1 Jobs belong here");
    continue;
  }
  try {
    new Job(job).validate();
  } catch (e) {
    fail(where, `schema: ${e.message}`);
  }
  for (const p of unknownFields(job, join(nodeModules, "kubernetes-models/batch/v1/Job.d.ts"), "Job")) fail(where, p);
  const hook = job.metadata.annotations?.["argocd.argoproj.io/hook"];
  if (!["PreSync", "PostSync"].includes(hook)) fail(where, `argocd.argoproj.io/hook must be PreSync or PostSync, not ${hook}`);
  if (!job.metadata.annotations?.["argocd.argoproj.io/hook-delete-policy"]) fail(where, "needs a hook-delete-policy (a second sync cannot create the Job again otherwise)");
  const pod = job.spec.template.spec;
  if (pod.restartPolicy !== "Never" || job.spec.backoffLimit !== 0) fail(where, "a gate runs once: restartPolicy Never, backoffLimit 0 (a retry would hide a failure)");
  const [container] = pod.containers;
  if (container.image !== exporter.image) fail(where, `image ${container.image} is not the sidecar's ${exporter.image}`);
  const args = container.args ?? [];
  if (args[0] !== "check") fail(where, "args must start with the subcommand check");
  const phase = args.find((a) => a.startsWith("--phase="))?.slice(8);
  if ((hook === "PreSync") !== (phase === "pre")) fail(where, `a ${hook} hook runs --phase=${hook === "PreSync" ? "pre" : "post"}, not ${phase}`);
  phases[phase] = job.metadata.annotations?.["argocd.argoproj.io/sync-wave"];
  const wait = args.find((a) => a.startsWith("--wait="));
  const waitSeconds = wait ? Number(/^--wait=(\d+)m$/.exec(wait)?.[1] ?? NaN) * 60 : 0;
  if (Number.isNaN(waitSeconds)) fail(where, `write --wait in minutes here (${wait})`);
  if (!(job.spec.activeDeadlineSeconds > waitSeconds)) fail(where, `activeDeadlineSeconds ${job.spec.activeDeadlineSeconds} must exceed --wait (${waitSeconds}s)`);
  if (pod.securityContext?.runAsNonRoot !== true || pod.securityContext?.runAsUser !== 10211) fail(where, "run as the image's non-root user 10211");
  for (const volume of pod.volumes ?? []) {
    const theirs = sidecarVolumes.get(volume.name);
    if (!theirs || JSON.stringify(theirs) !== JSON.stringify(volume)) fail(where, `volume ${volume.name} differs from the sidecar's`);
  }
  const mountsConfig = (container.volumeMounts ?? []).some((m) => m.mountPath === "/etc/migration_exporter/config.toml");
  if (!mountsConfig) fail(where, "mount the ConfigMap at /etc/migration_exporter/config.toml (the image reads it there)");
  // Kubernetes expands $(VAR) from the container's env: give the stand-in a value for the parser.
  const env = new Map((container.env ?? []).map((e) => [e.name, e.value]));
  const expanded = args.slice(1).map((a) => a.replace(/\$\(([A-Z_]+)\)/g, (_, name) => {
    if (!env.has(name)) fail(where, `$(${name}) in args but not in env`);
    return env.get(name) ?? "";
  }));
  appendFileSync(outFile, JSON.stringify(expanded) + "\n");
}
if (!("pre" in phases) || !("post" in phases)) fail(file, "needs a PreSync (--phase=pre) and a PostSync (--phase=post) Job");
if (!(Number(phases.pre ?? 0) < 0)) fail(file, "the PreSync gate needs a negative sync-wave, to run before the migration Job (wave 0)");
if (problems.length) {
  for (const p of problems) console.error(`FAIL: ${p}`);
  process.exit(1);
}
console.log(`${file}: ${jobs.length} Jobs pass the kubernetes-models validator with no unknown field; PreSync (wave ${phases.pre}) runs --phase=pre, PostSync --phase=post; image, ConfigMap and Secret are the sidecar's`);
