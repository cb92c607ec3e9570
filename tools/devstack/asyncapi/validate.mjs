// Parse and validate an AsyncAPI document with @asyncapi/parser (the AsyncAPI initiative's
// parser: the spec's JSON Schema plus its rules). Prints every diagnostic; exits 1 on an
// error (warnings and hints are printed, not failed). Usage: node validate.mjs FILE
import { readFileSync } from "node:fs";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs FILE");
  process.exit(2);
}
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"), {
  source: file,
});
const name = ["error", "warning", "information", "hint"];
for (const d of diagnostics) {
  const where = d.path && d.path.length ? d.path.join(".") : "(document)";
  console.log(`${name[d.severity] ?? d.severity}: ${where}: ${d.message}`);
}
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
if (!document || errors.length) {
  console.error(`${file}: ${errors.length} error(s)`);
  process.exit(1);
}
const channels = document.channels().length;
const messages = document.allMessages().length;
console.log(`${file}: valid AsyncAPI ${document.version()}, ${channels} channels, ${messages} messages`);
