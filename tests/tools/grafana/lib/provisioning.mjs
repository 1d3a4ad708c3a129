// Checks grafana/provisioning/: a Prometheus datasource, and a file provider that loads the dashboards.
// Grafana has no offline validator for these files, so this checks the keys Grafana reads.
// Usage: node provisioning.mjs <provisioning dir>
import fs from "node:fs";
import path from "node:path";
import * as yaml from "js-yaml";

const dir = process.argv[2];
const problems = [];
const load = (sub) => {
  const folder = path.join(dir, sub);
  const files = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)) : [];
  if (files.length === 0) problems.push(`${sub}/: no provisioning file`);
  return files.map((f) => ({ file: `${sub}/${f}`, doc: yaml.load(fs.readFileSync(path.join(folder, f), "utf8")) }));
};

let datasources = 0;
for (const { file, doc } of load("datasources")) {
  if (doc?.apiVersion !== 1) problems.push(`${file}: apiVersion must be 1`);
  for (const ds of doc?.datasources ?? []) {
    if (ds.type !== "prometheus") problems.push(`${file}: datasource ${ds.name} is not of type prometheus`);
    if (!ds.name || !ds.url) problems.push(`${file}: datasource needs a name and a url`);
    datasources++;
  }
}
if (datasources === 0) problems.push("datasources/: no datasource provisioned");

let providers = 0;
for (const { file, doc } of load("dashboards")) {
  if (doc?.apiVersion !== 1) problems.push(`${file}: apiVersion must be 1`);
  for (const p of doc?.providers ?? []) {
    if (p.type !== "file") problems.push(`${file}: provider ${p.name} is not of type file`);
    if (!p.options?.path) problems.push(`${file}: provider ${p.name} has no options.path`);
    providers++;
  }
}
if (providers === 0) problems.push("dashboards/: no dashboard provider");

if (problems.length > 0) {
  for (const p of problems) console.error(`provisioning: ${p}`);
  process.exit(1);
}
console.log(`provisioning: ${datasources} Prometheus datasource(s) and ${providers} dashboard provider(s) well formed`);
