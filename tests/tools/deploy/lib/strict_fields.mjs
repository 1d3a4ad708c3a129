// Finds fields the Kubernetes API would reject as unknown (kubectl's strict field validation): the
// compiled kubernetes-models validators accept extra properties, so a misspelt `livenesProbe` would
// pass them silently. The models' TypeScript declarations list every field of every type; this
// walks a manifest along them.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const nodeModules = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules");
const declarations = new Map();

function resolveImport(fromFile, specifier) {
  if (specifier.startsWith(".")) return join(dirname(fromFile), specifier.replace(/\.js$/, ".d.ts"));
  return join(nodeModules, specifier) + ".d.ts";
}

// { fields: Map(field -> declared type text), imports: Map(type name -> declaration file) } or null
// when the file declares no interface (a type alias such as IntOrString or Time: a leaf).
function declaration(file) {
  if (declarations.has(file)) return declarations.get(file);
  let result = null;
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    const imports = new Map();
    for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g))
      for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean))
        imports.set(name, resolveImport(file, m[2]));
    const body = /export interface \w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/.exec(text);
    if (body) {
      const fields = new Map();
      for (const m of body[1].matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) fields.set(m[1], m[2].replace(/;$/, ""));
      result = { fields, imports };
    }
  }
  declarations.set(file, result);
  return result;
}

function check(value, file, path, problems) {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) return;
  const decl = declaration(file);
  if (!decl) return;
  for (const [key, child] of Object.entries(value)) {
    if (!decl.fields.has(key)) {
      problems.push(`${path}.${key}: unknown field`);
      continue;
    }
    const type = decl.fields.get(key);
    const element = /^Array<(\w+)>$/.exec(type);
    const named = /^(\w+)$/.exec(type);
    if (element && decl.imports.has(element[1]) && Array.isArray(child)) {
      child.forEach((item, i) => check(item, decl.imports.get(element[1]), `${path}.${key}[${i}]`, problems));
    } else if (named && decl.imports.has(named[1])) {
      check(child, decl.imports.get(named[1]), `${path}.${key}`, problems);
    }
  }
}

// modelFile: the .d.ts of the top-level model (e.g. kubernetes-models/apps/v1/Deployment.d.ts).
export function unknownFields(manifest, modelFile, name) {
  const problems = [];
  check(manifest, modelFile, name, problems);
  return problems;
}
