/**
 * docs/guardrails.md, generated from the rule files (lib/policy/rules/): never edited by hand.
 * `npm run docs:guardrails` rewrites it; test/policy/rule-pack.test.ts fails when it is stale.
 */
import type { GuardrailRule } from "../../lib/policy/rule";

/** Where the generated document lives, relative to the project root. */
export const GUARDRAILS_DOC = "docs/guardrails.md";

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The whole document for `rules`. */
export function guardrailsDoc(rules: readonly GuardrailRule[]): string {
  const lines = [
    "# Guardrails: the rule pack",
    "",
    "<!-- Generated from lib/policy/rules/*.ts by `npm run docs:guardrails`. Do not edit by hand. -->",
    "",
    `Every AWS stack runs these ${rules.length} rules at synth (\`lib/policy/guardrails.ts\`). Each is a rule AWS`,
    "enforces at apply time, or that breaks at runtime, which `terraform plan` does not check. An `error`",
    "fails `cdktf synth` with `[guardrail:<id>]`, the resource and the fix; a `warning` is printed.",
    "",
    "To switch a rule off for one resource, add `{ rule, path, reason }` to the environment's",
    "`guardrailSuppressions` (or call `suppressRule(resource, id, reason)` in code). The reason is",
    "required and every plan summary prints every suppression; a suppression that silences nothing is",
    "reported as stale. Fix the cause where you can.",
    "",
    "| id | severity | what it requires | source |",
    "|---|---|---|---|",
    ...rules.map((r) => `| [\`${r.id}\`](#${r.id}) | ${r.severity} | ${cell(r.summary)} | [${cell(r.source.title)}](${r.source.url}) |`),
    "",
    ...rules.flatMap((r) => [
      `## ${r.id}`,
      "",
      `**${r.severity}.** ${r.summary}`,
      "",
      `Why: ${r.why}`,
      "",
      `> ${r.source.quote}`,
      "",
      `[${r.source.title}](${r.source.url}) · rule file: \`lib/policy/rules/${r.id}.ts\``,
      "",
    ]),
  ];
  return lines.join("\n");
}
