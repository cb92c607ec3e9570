// console/openapi/<service>.json → src/api/<service>.ts: the typed `paths` each client uses
// (openapi-typescript). A test fails when these differ from what this writes.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const check = process.argv.includes("--check");
let stale = [];
for (const service of ["release-api", "cluster-registry", "k8s-sync", "monitor-gateway"]) {
  const doc = JSON.parse(fs.readFileSync(path.join(root, "openapi", `${service}.json`), "utf8"));
  const ast = await openapiTS(doc);
  const text =
    `// Generated from openapi/${service}.json by scripts/generate-types.mjs: do not edit.\n` +
    astToString(ast);
  const target = path.join(root, "src", "api", `${service}.ts`);
  if (check) {
    if (!fs.existsSync(target) || fs.readFileSync(target, "utf8") !== text) stale.push(service);
  } else {
    fs.writeFileSync(target, text);
  }
}
if (stale.length) {
  console.error(`src/api is stale (${stale.join(", ")}): run \`npm run generate\``);
  process.exit(1);
}
