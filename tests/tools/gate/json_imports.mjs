// Lets Node 20 load @actions/workflow-parser, which imports its workflow schema (.json) the way a
// bundler does, without an import attribute: JSON files are loaded as JSON modules.
// Usage: node --import ./json_imports.mjs <script>
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json")) return nextLoad(url, { ...context, importAttributes: { type: "json" } });
  return nextLoad(url, context);
}`),
  import.meta.url,
);
