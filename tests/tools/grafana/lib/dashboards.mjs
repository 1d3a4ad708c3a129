// Checks the shipped Grafana dashboards and extracts their PromQL queries.
//   node dashboards.mjs check <dashboards dir> <rules file out>
//       validates every dashboard against the Dashboard type of @grafana/schema (turned into a JSON
//       schema here, from the installed package, with ts-json-schema-generator) and against our own
//       conventions (unique panel ids, no overlapping grid positions, datasource only through the
//       $datasource variable, description and unit on every panel, the fleet variables), checks the
//       grafana.com import fields and the Prometheus annotations (dashboard-import.mjs), then writes
//       every panel and annotation query (template variables substituted) as a recording rule so
//       that `promtool check rules` proves each one parses as PromQL.
//   node dashboards.mjs queries <dashboards dir> name=value...
//       prints one JSON line per panel query, {dashboard, panel, title, refId, expr}, with the
//       template variables replaced by the values given (used by the end-to-end test).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { importProblems, prometheusAnnotations, schemaView } from "./dashboard-import.mjs";

const require = createRequire(import.meta.url);
const [mode, dir, ...rest] = process.argv.slice(2);
if (!["check", "queries"].includes(mode) || !dir) {
  console.error("usage: dashboards.mjs check <dir> <rules-out> | queries <dir> name=value...");
  process.exit(2);
}

const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const dashboards = files.map((f) => ({ file: f, model: JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) }));

// Panels of a dashboard, including the ones nested in collapsed rows.
function allPanels(model) {
  const out = [];
  for (const p of model.panels ?? []) {
    out.push(p);
    for (const nested of p.panels ?? []) out.push(nested);
  }
  return out;
}

// Replaces $name, ${name} and ${name:format} with the values given; fails on any variable left over.
function substitute(expr, values, where) {
  const replaced = expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (m, a, b, c) => {
    const name = a ?? b ?? c;
    if (!(name in values)) throw new Error(`${where}: unknown template variable ${m} in ${JSON.stringify(expr)}`);
    return values[name];
  });
  return replaced;
}

// The PromQL inside a Prometheus variable query: label_values(<selector>, label) -> <selector>.
function variableQueryExpr(query) {
  const text = typeof query === "string" ? query : query?.query ?? "";
  const m = /^\s*label_values\((.*),\s*\w+\s*\)\s*$/s.exec(text);
  if (m) return m[1];
  const q = /^\s*query_result\((.*)\)\s*$/s.exec(text);
  return q ? q[1] : null;
}

function queries(values) {
  const out = [];
  for (const { file, model } of dashboards) {
    for (const a of prometheusAnnotations(model)) {
      const where = `${file} annotation "${a.name}"`;
      out.push({ dashboard: file, uid: model.uid, panel: "annotation", title: a.name, refId: "annotation",
        expr: substitute(a.expr ?? "", values, where) });
    }
    for (const panel of allPanels(model)) {
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        const where = `${file} panel ${panel.id} "${panel.title}" ${target.refId}`;
        out.push({ dashboard: file, uid: model.uid, panel: panel.id, title: panel.title, refId: target.refId,
          expr: substitute(target.expr, values, where) });
      }
    }
  }
  return out;
}

if (mode === "queries") {
  const values = Object.fromEntries(rest.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  for (const q of queries(values)) console.log(JSON.stringify(q));
  process.exit(0);
}

// ---- check mode
const rulesOut = rest[0];
if (!rulesOut) { console.error("check needs a rules output file"); process.exit(2); }
const problems = [];
const problem = (msg) => problems.push(msg);

// The JSON schema of the Dashboard model, from the installed @grafana/schema.
const { createGenerator } = require("ts-json-schema-generator");
const Ajv = require("ajv");
const schemaPkg = path.dirname(require.resolve("@grafana/schema/package.json"));
const typesFile = path.join(schemaPkg, "dist/types/raw/dashboard/x/types.gen.d.ts");
if (!fs.existsSync(typesFile)) { console.error(`dashboards: ${typesFile} not found in @grafana/schema`); process.exit(1); }
const schema = createGenerator({ path: typesFile, type: "Dashboard", skipTypeCheck: true, additionalProperties: false })
  .createSchema("Dashboard");
const schemaVersion = require("@grafana/schema/package.json").version;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const uids = new Set();
const requiredVariables = ["datasource", "job", "cluster", "instance", "target", "datname"];
const panelsWithoutUnit = new Set(["row", "text", "news", "dashlist", "alertlist"]);

for (const { file, model } of dashboards) {
  // The schema validates what Grafana models; the import fields and the Prometheus fields of the
  // annotations are checked by dashboard-import.mjs.
  for (const p of importProblems(file, model, allPanels(model))) problem(p);
  if (!validate(schemaView(model))) {
    for (const e of validate.errors) problem(`${file}: schema: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  }
  if (!model.uid) problem(`${file}: no uid`);
  if (uids.has(model.uid)) problem(`${file}: uid ${model.uid} used by another dashboard`);
  uids.add(model.uid);
  if (!model.description) problem(`${file}: no dashboard description`);
  if (!(model.tags ?? []).includes("migration_exporter")) problem(`${file}: tag migration_exporter missing (dashboard links rely on it)`);

  // Template variables: datasource picker, target and datname, all on $datasource.
  const vars = new Map((model.templating?.list ?? []).map((v) => [v.name, v]));
  for (const name of requiredVariables) if (!vars.has(name)) problem(`${file}: template variable ${name} missing`);
  if (vars.get("datasource") && (vars.get("datasource").type !== "datasource" || vars.get("datasource").query !== "prometheus")) {
    problem(`${file}: variable datasource must be a Prometheus datasource picker`);
  }

  // No hard-coded datasource anywhere: every datasource reference goes through ${datasource}.
  (function walk(node, at) {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${at}[${i}]`)); return; }
    if (node === null || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "datasource" && v !== null) {
        const uid = typeof v === "string" ? v : v.uid;
        const builtIn = typeof v === "object" && v.type === "grafana";
        if (!builtIn && uid !== "${datasource}" && uid !== "$datasource") problem(`${file}: ${at}.datasource is ${JSON.stringify(v)}, not the $datasource variable`);
      }
      walk(v, `${at}.${k}`);
    }
  })(model, "");

  // Panels: unique ids, inside the 24-column grid, no overlap, description, unit, queries.
  const ids = new Set();
  const boxes = [];
  for (const panel of allPanels(model)) {
    const where = `${file}: panel ${panel.id} "${panel.title}"`;
    if (typeof panel.id !== "number") problem(`${where}: no numeric id`);
    if (ids.has(panel.id)) problem(`${where}: id used twice`);
    ids.add(panel.id);
    const g = panel.gridPos;
    if (!g) { problem(`${where}: no gridPos`); continue; }
    if (g.x < 0 || g.y < 0 || g.w <= 0 || g.h <= 0 || g.x + g.w > 24) problem(`${where}: gridPos ${JSON.stringify(g)} outside the 24-column grid`);
    for (const other of boxes) {
      const o = other.g;
      if (g.x < o.x + o.w && o.x < g.x + g.w && g.y < o.y + o.h && o.y < g.y + g.h) {
        problem(`${where}: gridPos ${JSON.stringify(g)} overlaps panel ${other.id} ${JSON.stringify(o)}`);
      }
    }
    boxes.push({ id: panel.id, g });
    if (panel.type === "row") continue;
    if (!panel.title) problem(`${where}: no title`);
    if (!panel.description || panel.description.length < 20) problem(`${where}: no useful description`);
    if (!panelsWithoutUnit.has(panel.type) && !panel.fieldConfig?.defaults?.unit) problem(`${where}: no unit in fieldConfig.defaults`);
    const targets = panel.targets ?? [];
    if (targets.length === 0) problem(`${where}: no query`);
    const refIds = new Set();
    for (const t of targets) {
      if (!t.expr) problem(`${where}: target ${t.refId} has no expr`);
      if (refIds.has(t.refId)) problem(`${where}: refId ${t.refId} used twice`);
      refIds.add(t.refId);
    }
  }
}

// Every query as a recording rule with template variables substituted, for `promtool check rules`.
const parseValues = { datasource: "prometheus", job: ".*", cluster: ".*", instance: ".*", target: ".*", datname: "app", tool: ".*",
  __rate_interval: "1m", __interval: "30s", __range: "6h" };
const lines = ["# Generated by tests/tools/grafana/lib/dashboards.mjs: every dashboard query as a rule, to parse it.", "groups:"];
let count = 0;
try {
  for (const { file, model } of dashboards) {
    lines.push(`  - name: ${JSON.stringify(file)}`, "    rules:");
    for (const q of queries(parseValues).filter((x) => x.dashboard === file)) {
      lines.push(`      - record: dashboard_query_${count}`, `        expr: ${JSON.stringify(q.expr)}`);
      count++;
    }
    for (const v of model.templating?.list ?? []) {
      if (v.type !== "query") continue;
      const expr = variableQueryExpr(v.query);
      if (!expr) { problem(`${file}: variable ${v.name}: query ${JSON.stringify(v.query)} is not label_values()/query_result()`); continue; }
      lines.push(`      - record: dashboard_variable_${count}`, `        expr: ${JSON.stringify(substitute(expr, parseValues, `${file} variable ${v.name}`))}`);
      count++;
    }
  }
} catch (e) {
  problem(e.message);
}
fs.writeFileSync(rulesOut, lines.join("\n") + "\n");

if (problems.length > 0) {
  for (const p of problems) console.error(`dashboards: ${p}`);
  process.exit(1);
}
console.log(`dashboards: ${dashboards.length} dashboards valid against @grafana/schema ${schemaVersion} Dashboard; ` +
  `panel ids unique, grid positions disjoint, every panel described, with a unit and on $datasource; ${count} queries written for promtool`);
