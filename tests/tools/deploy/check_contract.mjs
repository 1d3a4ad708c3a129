// Compares a real /metrics body with the metric contract (lib/metric_contract.mjs) that the Datadog
// and CloudWatch examples are validated against: every exposed family must be in the contract with
// the same type and exactly the contract's labels (`target` aside, which the framework adds with
// several targets), so the contract cannot drift from what the exporter really exports. Prints the
// contract families this body does not show (they need a situation the scrape did not have).
// Usage: node check_contract.mjs <metrics body file>
import { readFileSync } from "node:fs";
import { metricContract, metricContractPrefixes } from "./lib/metric_contract.mjs";

const body = readFileSync(process.argv[2], "utf8");
const types = new Map();
const labelSets = new Map();
for (const line of body.split("\n")) {
  const type = /^# TYPE (\S+) (\S+)$/.exec(line);
  if (type) {
    types.set(type[1], type[2]);
    continue;
  }
  if (!line || line.startsWith("#")) continue;
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
  if (!sample) throw new Error(`unparsable sample line: ${line}`);
  let family = sample[1];
  for (const suffix of ["_bucket", "_sum", "_count"])
    if (family.endsWith(suffix) && types.get(family.slice(0, -suffix.length)) === "histogram") family = family.slice(0, -suffix.length);
  const labels = [...(sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)]
    .map((m) => m[1])
    .filter((l) => l !== "target" && !(l === "le" && types.get(family) === "histogram"))
    .sort()
    .join(",");
  if (!labelSets.has(family)) labelSets.set(family, new Set());
  labelSets.get(family).add(labels);
}

const problems = [];
for (const [family, type] of types) {
  const contract = metricContract[family] ?? metricContractPrefixes.find((p) => family.startsWith(p.prefix));
  if (!contract) {
    problems.push(`${family} (${type}) is exported but not in the contract`);
    continue;
  }
  if (contract.type !== type) problems.push(`${family} is a ${type}, the contract says ${contract.type}`);
  const want = [...contract.labels].sort().join(",");
  for (const got of labelSets.get(family) ?? [])
    if (got !== want) problems.push(`${family} has labels {${got}}, the contract says {${want}}`);
}
const unseen = Object.keys(metricContract).filter((f) => !types.has(f)).sort();
if (problems.length) {
  console.error(problems.map((p) => `FAIL: ${p}`).join("\n"));
  process.exit(1);
}
console.log(`metric contract: the ${types.size} families of this scrape match it in type and labels` +
  (unseen.length ? `; not in this scrape: ${unseen.join(", ")}` : ""));
