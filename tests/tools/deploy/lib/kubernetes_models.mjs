// Validates one Kubernetes or Prometheus Operator object against the compiled kubernetes-models
// validators plus strict field names: shared by the manifest check and the kustomize overlay check.
import { join } from "node:path";
import { unknownFields, nodeModules } from "./strict_fields.mjs";

const models = {
  "v1/Secret": ["kubernetes-models/v1", "kubernetes-models/v1/Secret.d.ts"],
  "v1/ConfigMap": ["kubernetes-models/v1", "kubernetes-models/v1/ConfigMap.d.ts"],
  "v1/Service": ["kubernetes-models/v1", "kubernetes-models/v1/Service.d.ts"],
  "apps/v1/Deployment": ["kubernetes-models/apps/v1", "kubernetes-models/apps/v1/Deployment.d.ts"],
  "monitoring.coreos.com/v1/PodMonitor": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor.d.ts"],
  "monitoring.coreos.com/v1/ServiceMonitor": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.d.ts"],
};

// Returns the problems found (schema errors, unknown fields, a kind with no validator): none = valid.
export async function modelProblems(manifest) {
  const model = models[`${manifest.apiVersion}/${manifest.kind}`];
  if (!model) return [`no validator for apiVersion ${manifest.apiVersion} kind ${manifest.kind}`];
  const problems = [];
  const module = await import(model[0]);
  try {
    new module[manifest.kind](manifest).validate();
  } catch (e) {
    problems.push(`schema: ${e.message}`);
  }
  problems.push(...unknownFields(manifest, join(nodeModules, model[1]), manifest.kind));
  return problems;
}
