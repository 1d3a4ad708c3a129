// Validates the deploy gate's CI examples in deploy/gate/: the GitHub Actions workflow with GitHub's
// own parser (@actions/workflow-parser: its workflow schema, expressions and all), the GitLab CI
// file against GitLab's CI schema (as gitlab-ci-local ships it) with ajv; then what they promise:
// a pre gate before the migration and a post gate after it, JUnit reports GitLab can read, secrets
// passed through the environment. Writes every `migration_exporter check` argument list found, one
// JSON array per line, to <out file> for the binary to parse (tests/checks/deploy_gate_examples.sh).
// Usage: node --import ./json_imports.mjs validate_ci_examples.mjs <deploy/gate dir> <out file>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import Ajv from "ajv";
import { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from "@actions/workflow-parser";
import { schema as gitlabSchema } from "gitlab-ci-local/src/schema/schema.js";

const [dir, outFile] = process.argv.slice(2);
const problems = [];
const verified = [];
const invocations = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);

// The words after `check` in a shell command, as the shell would pass them: quotes removed,
// variables given a stand-in value, stopping at a redirection.
function checkArguments(command) {
  const words = command.replace(/\\\n/g, " ").split(/\s+/).filter(Boolean);
  const start = words.findIndex((w, i) => w === "check" && /migration_exporter|GATE_IMAGE/.test(words.slice(0, i).join(" ")));
  if (start < 0) return null;
  const args = [];
  for (const word of words.slice(start + 1)) {
    if (/^[0-9]*>/.test(word) || word === "|" || word === "||" || word === "&&") break;
    args.push(word.replace(/["']/g, "").replace(/\$\{?\(?[A-Z_]+\)?\}?/g, "1"));
  }
  return args;
}
function phaseOf(args) {
  return args.find((a) => a.startsWith("--phase="))?.slice("--phase=".length);
}

// --- GitHub Actions.
{
  const file = join(dir, "github-actions.yml");
  const content = readFileSync(file, "utf8");
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  for (const error of parsed.context.errors.getErrors()) fail(file, error.message);
  const jobs = template.jobs ?? [];
  if (jobs.length !== 1) fail(file, `expected one job, found ${jobs.length}`);
  const steps = (parse(content).jobs?.migrate?.steps ?? []).map((s) => ({ name: s.name ?? s.uses, run: s.run ?? "" }));
  const order = steps.map((s) => (checkArguments(s.run) ? `gate-${phaseOf(checkArguments(s.run))}` : /flyway.* migrate/.test(s.run) ? "migrate" : null)).filter(Boolean);
  if (order.join(",") !== "gate-pre,migrate,gate-post") fail(file, `steps must run gate-pre, migrate, gate-post in that order; found ${order.join(",")}`);
  if (/\$\{\{\s*(inputs|github\.event)\./.test(steps.map((s) => s.run).join("\n"))) fail(file, "an input is spliced into a run script: pass it through env");
  for (const step of steps) {
    const args = checkArguments(step.run);
    if (args) invocations.push({ where: `${file} step '${step.name}'`, args });
  }
  verified.push(`${file}: GitHub's workflow parser accepts it (1 job, ${steps.length} steps: gate-pre, migrate, gate-post)`);
}

// --- GitLab CI.
{
  const file = join(dir, "gitlab-ci.yml");
  const pipeline = parse(readFileSync(file, "utf8"));
  // Formats (uri, date-time) are left unchecked: the examples use none, and ajv-formats is not needed.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(gitlabSchema);
  if (!validate(pipeline)) for (const e of validate.errors) fail(file, `GitLab CI schema: ${e.instancePath || "/"} ${e.message}`);
  const stages = pipeline.stages ?? [];
  const jobs = Object.entries(pipeline).filter(([name, job]) => !name.startsWith(".") && job && typeof job === "object" && !Array.isArray(job) && (job.script || job.extends));
  const resolved = (job) => ({ ...(job.extends ? pipeline[job.extends] : {}), ...job });
  const gates = {};
  for (const [name, raw] of jobs) {
    const job = resolved(raw);
    if (!stages.includes(job.stage)) fail(file, `job ${name}: stage ${job.stage} is not in stages`);
    for (const line of job.script ?? []) {
      const args = checkArguments(line);
      if (!args) continue;
      invocations.push({ where: `${file} job ${name}`, args });
      const phase = phaseOf(args);
      gates[phase] = stages.indexOf(job.stage);
      const report = job.artifacts?.reports?.junit;
      const written = /> *(\S+\.xml)/.exec(line)?.[1];
      if (!args.includes("--output=junit") || !written) fail(file, `job ${name}: write --output=junit to a file`);
      else if (!new RegExp(`^${String(report).replace(/\./g, "\\.").replace(/\*/g, ".*")}$`).test(written)) fail(file, `job ${name}: writes ${written}, but artifacts:reports:junit is ${report}`);
      if (job.artifacts?.when !== "always") fail(file, `job ${name}: the report must be kept when the gate fails (artifacts:when: always)`);
    }
  }
  const migrate = stages.indexOf(resolved(pipeline.migrate ?? {}).stage);
  if (!(gates.pre < migrate && migrate < gates.post)) fail(file, `stages must order gate pre < migrate < gate post (found ${gates.pre}, ${migrate}, ${gates.post})`);
  verified.push(`${file}: valid against GitLab's CI schema; stages gate pre < migrate < gate post; JUnit reports kept`);
}

for (const { where, args } of invocations) {
  if (!["pre", "post"].includes(phaseOf(args))) fail(where, `no --phase=pre|post in: check ${args.join(" ")}`);
}
writeFileSync(outFile, invocations.map((i) => JSON.stringify(i.args)).join("\n") + "\n");
if (problems.length) {
  for (const p of problems) console.error(`FAIL: ${p}`);
  process.exit(1);
}
for (const v of verified) console.log(v);
