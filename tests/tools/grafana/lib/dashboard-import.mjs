// The parts of a shipped dashboard that @grafana/schema's Dashboard type does not model, checked
// here instead: the grafana.com import fields (__inputs, __requires) and the Prometheus fields of
// annotation queries (expr, step, titleFormat, ...). schemaView() returns the model without them
// for the schema validation; importProblems() and annotationQueries() check and list them.

const prometheusAnnotationFields = ["expr", "step", "titleFormat", "textFormat", "tagKeys", "useValueForTime"];

// Annotations that query Prometheus (everything but Grafana's built-in one).
export function prometheusAnnotations(model) {
  return (model.annotations?.list ?? []).filter((a) => a.datasource?.type === "prometheus");
}

export function schemaView(model) {
  const { __inputs, __requires, ...rest } = model;
  const list = (rest.annotations?.list ?? []).map((a) => {
    if (a.datasource?.type !== "prometheus") return a;
    const stripped = { ...a };
    for (const f of prometheusAnnotationFields) delete stripped[f];
    return stripped;
  });
  return { ...rest, annotations: { ...rest.annotations, list } };
}

// The dashboard imports as a grafana.com file does: one Prometheus datasource input, which the
// datasource variable defaults to, and __requires naming Grafana, Prometheus and exactly the panel
// types used.
export function importProblems(file, model, panels) {
  const problems = [];
  const inputs = model.__inputs ?? [];
  const ds = inputs.filter((i) => i.type === "datasource" && i.pluginId === "prometheus");
  if (ds.length !== 1) problems.push(`${file}: __inputs needs exactly one Prometheus datasource input, has ${ds.length}`);
  for (const i of inputs) {
    for (const key of ["name", "label", "type", "pluginId", "pluginName"]) {
      if (!i[key]) problems.push(`${file}: __inputs entry ${JSON.stringify(i.name)} lacks ${key}`);
    }
  }
  const variable = (model.templating?.list ?? []).find((v) => v.type === "datasource");
  if (ds.length === 1 && variable?.current?.value !== `\${${ds[0].name}}`) {
    problems.push(`${file}: the datasource variable does not default to the \${${ds[0].name}} input`);
  }
  const requires = model.__requires ?? [];
  const has = (type, id) => requires.some((r) => r.type === type && r.id === id);
  if (!has("grafana", "grafana")) problems.push(`${file}: __requires does not name the Grafana version`);
  if (!has("datasource", "prometheus")) problems.push(`${file}: __requires does not name the Prometheus datasource`);
  const used = new Set(panels.filter((p) => p.type !== "row").map((p) => p.type));
  for (const type of used) if (!has("panel", type)) problems.push(`${file}: __requires lacks panel type ${type}`);
  for (const r of requires) {
    if (r.type === "panel" && !used.has(r.id)) problems.push(`${file}: __requires names panel type ${r.id}, which no panel uses`);
  }
  for (const a of prometheusAnnotations(model)) {
    if (!a.expr) problems.push(`${file}: annotation "${a.name}" has no expr`);
    if (!a.titleFormat) problems.push(`${file}: annotation "${a.name}" has no titleFormat`);
  }
  return problems;
}
