// Reads the shipped alerting rules and their promtool tests, checks the conventions that promtool
// cannot (labels, annotations, runbooks, test coverage). With --list it prints one
// "alertname<TAB>severity" line per alert (routing tests); with --exprs one JSON line per alert,
// {alert, severity, for, expr} (end-to-end test). Usage: node alert-rules.mjs <repo root> [--list|--exprs]
import fs from "node:fs";
import path from "node:path";
import * as yaml from "js-yaml";

const root = process.argv[2];
const listOnly = process.argv.includes("--list");
const exprsOnly = process.argv.includes("--exprs");
const runbookBase = "https://github.com/migration-exporter/migration_exporter/blob/main/docs/runbooks/";
const severities = new Set(["critical", "warning"]);
const problems = [];

const alertsDir = path.join(root, "alerts");
const ruleFiles = fs.readdirSync(alertsDir).filter((f) => /\.rules\.ya?ml$/.test(f));
if (ruleFiles.length === 0) problems.push("no alerts/*.rules.yml file");

const alerts = new Map();
for (const file of ruleFiles) {
  const doc = yaml.load(fs.readFileSync(path.join(alertsDir, file), "utf8"));
  for (const group of doc.groups ?? []) {
    for (const rule of group.rules ?? []) {
      if (!rule.alert) continue;
      const where = `${file}: ${rule.alert}`;
      // One namespace, so that no name clashes with postgres_mixin's PostgreSQL*/Postgres* alerts.
      if (!/^Migration[A-Z]/.test(rule.alert)) problems.push(`${where}: alert names start with Migration (mixin/README.md)`);
      if (alerts.has(rule.alert)) problems.push(`${where}: alert name defined twice`);
      alerts.set(rule.alert, rule);
      const severity = rule.labels?.severity;
      if (!severities.has(severity)) problems.push(`${where}: severity "${severity}" is not one of ${[...severities]}`);
      for (const key of ["summary", "description", "runbook_url"]) {
        if (!rule.annotations?.[key]) problems.push(`${where}: annotation ${key} missing`);
      }
      const runbook = rule.annotations?.runbook_url ?? "";
      if (runbook !== `${runbookBase}${rule.alert}.md`) {
        problems.push(`${where}: runbook_url must be ${runbookBase}${rule.alert}.md`);
      }
      const runbookFile = path.join(root, "docs", "runbooks", `${rule.alert}.md`);
      if (!fs.existsSync(runbookFile)) {
        problems.push(`${where}: runbook ${path.relative(root, runbookFile)} missing`);
      } else {
        const text = fs.readFileSync(runbookFile, "utf8");
        for (const heading of ["## What to check", "## What to do"]) {
          if (!text.includes(heading)) problems.push(`${where}: runbook lacks a "${heading}" section`);
        }
      }
    }
  }
}

// Every alert needs a test where it fires and an evaluation where it is expected silent; an alert
// with a `for:` needs its silent evaluation while the condition already holds (checked by promtool
// itself, here only that such an evaluation exists).
const firing = new Set();
const silent = new Set();
const testsDir = path.join(alertsDir, "tests");
for (const file of fs.existsSync(testsDir) ? fs.readdirSync(testsDir) : []) {
  if (!/\.ya?ml$/.test(file)) continue;
  const doc = yaml.load(fs.readFileSync(path.join(testsDir, file), "utf8"));
  for (const test of doc.tests ?? []) {
    for (const check of test.alert_rule_test ?? []) {
      if (!alerts.has(check.alertname)) problems.push(`tests/${file}: tests unknown alert ${check.alertname}`);
      ((check.exp_alerts ?? []).length > 0 ? firing : silent).add(check.alertname);
    }
  }
}
for (const name of alerts.keys()) {
  if (!firing.has(name)) problems.push(`${name}: no promtool test in which it fires`);
  if (!silent.has(name)) problems.push(`${name}: no promtool test in which it stays silent`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`alert-rules: ${p}`);
  process.exit(1);
}
if (listOnly) {
  for (const [name, rule] of alerts) console.log(`${name}\t${rule.labels.severity}`);
} else if (exprsOnly) {
  for (const [name, rule] of alerts) {
    console.log(JSON.stringify({ alert: name, severity: rule.labels.severity, for: rule.for ?? "0s", expr: rule.expr }));
  }
} else {
  console.error(`alert-rules: ${alerts.size} alerts: labels, annotations, runbooks and test coverage ok`);
}
