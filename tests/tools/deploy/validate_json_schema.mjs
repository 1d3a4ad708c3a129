// Validates JSON documents against a JSON Schema (draft 2020-12) with ajv in strict mode: the
// schema must be well-formed and every document must pass.
// Usage: node validate_json_schema.mjs <schema.json> <document.json>...
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

const [schemaFile, ...documents] = process.argv.slice(2);
if (!schemaFile || documents.length === 0) {
  console.error("usage: node validate_json_schema.mjs <schema.json> <document.json>...");
  process.exit(2);
}
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
let failed = 0;
for (const file of documents) {
  let document;
  try {
    document = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    console.error(`${file}: not JSON: ${error.message}`);
    failed++;
    continue;
  }
  if (!validate(document)) {
    failed++;
    for (const problem of validate.errors) console.error(`${file}: ${problem.instancePath || "/"} ${problem.message}`);
  }
}
if (failed) process.exit(1);
console.log(`${documents.length} document(s) valid against ${schemaFile}`);
