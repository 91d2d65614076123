/** `npm run docs:guardrails`: regenerates docs/guardrails.md from the rule files. */
import * as fs from "node:fs";
import * as path from "node:path";
import { RULES } from "../lib/policy/rules";
import { GUARDRAILS_DOC, guardrailsDoc } from "./lib/guardrails-doc";
import { runCli } from "./lib/run-cli";

function main(): number {
  const file = path.join(process.cwd(), GUARDRAILS_DOC);
  fs.writeFileSync(file, guardrailsDoc(RULES));
  console.log(`wrote ${GUARDRAILS_DOC}: ${RULES.length} rules`);
  return 0;
}

runCli(main);
