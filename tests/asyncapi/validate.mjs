// Validates an AsyncAPI document with the AsyncAPI project's own parser (tests/unit/test_asyncapi.py).
// Usage: node validate.mjs FILE. Prints one JSON line: {"errors": [...], "warnings": [...], "others": [...]};
// exits 0 when the parser found no error and gave a document, 1 otherwise, 2 on a wrong usage.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const SEVERITY = { 0: "errors", 1: "warnings" };

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs FILE");
  process.exit(2);
}
const source = await readFile(file, "utf8");
const { document, diagnostics } = await new Parser().parse(source, { source: file });
const report = { errors: [], warnings: [], others: [] };
for (const diagnostic of diagnostics) {
  const where = diagnostic.path.join("/");
  report[SEVERITY[diagnostic.severity] ?? "others"].push(`${diagnostic.code}: ${diagnostic.message} (at /${where})`);
}
console.log(JSON.stringify(report));
process.exit(document && report.errors.length === 0 ? 0 : 1);
