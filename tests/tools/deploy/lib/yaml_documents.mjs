// Reads YAML files strictly (duplicate keys, tabs, bad indentation are errors) for the deploy checks.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// Returns the plain JS value of every document in the file; throws with file:line on any problem.
// version "1.1" reads as Kubernetes does (0444 is octal, yes/no are booleans).
export function readYamlDocuments(path, { version = "1.2" } = {}) {
  const text = readFileSync(path, "utf8");
  const documents = parseAllDocuments(text, { strict: true, uniqueKeys: true, prettyErrors: true, version });
  const problems = documents.flatMap((doc) => [...doc.errors, ...doc.warnings]);
  if (problems.length) {
    throw new Error(problems.map((p) => `${path}:${p.linePos?.[0]?.line ?? "?"}: ${p.message}`).join("\n"));
  }
  return documents.map((doc) => doc.toJS()).filter((value) => value !== null && value !== undefined);
}

export function readYamlDocument(path, options) {
  const documents = readYamlDocuments(path, options);
  if (documents.length !== 1) throw new Error(`${path}: expected one YAML document, found ${documents.length}`);
  return documents[0];
}
