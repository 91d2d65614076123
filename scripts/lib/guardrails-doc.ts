/**
 * docs/guardrails.md, generated from the rule files (lib/policy/rules/): never edited by hand.
 * `npm run docs:guardrails` rewrites it; test/policy/rule-pack.test.ts fails when it is stale.
 */
import { beyondPlan, type GuardrailRule } from "../../lib/policy/rule";

/** Where the generated document lives, relative to the project root. */
export const GUARDRAILS_DOC = "docs/guardrails.md";

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

const KIND_TITLE: Readonly<Record<GuardrailRule["kind"], string>> = {
  "apply-time": "AWS refuses it at apply",
  runtime: "It breaks after a successful apply",
  policy: "The kit's own safe defaults (AWS does not enforce them)",
};

const overlap = (r: GuardrailRule) => (r.planOverlap ? `${r.planOverlap.scope === "all" ? "plan also checks it" : "plan checks part"}` : "no");

/** The whole document for `rules`. */
export function guardrailsDoc(rules: readonly GuardrailRule[]): string {
  const beyond = rules.filter(beyondPlan).length;
  const lines = [
    "# Guardrails: the rule pack",
    "",
    "<!-- Generated from lib/policy/rules/*.ts by `npm run docs:guardrails`. Do not edit by hand. -->",
    "",
    `Every AWS stack runs these ${rules.length} rules at synth (\`lib/policy/guardrails.ts\`). ${beyond} of them are AWS rules that`,
    "`terraform plan` does not enforce (an API refuses the apply, or something breaks after it); the rest are the",
    "kit's own policies, or repeat a check the provider makes at plan so it fails earlier, on the construct, with",
    "the fix (column \"plan\"). An `error` fails `cdktf synth` with `[guardrail:<id>]`, the resource, the fix and",
    "the document's link; a `warning` is printed.",
    "",
    "To switch a rule off for one resource, add `{ rule, path, reason }` to the environment's",
    "`guardrailSuppressions` (or call `suppressRule(resource, id, reason)` in code). The reason is",
    "required and every plan summary prints every suppression; a suppression that silences nothing is",
    "listed as stale. Fix the cause where you can.",
    "",
    ...(["apply-time", "runtime", "policy"] as const).flatMap((kind) => {
      const group = rules.filter((r) => r.kind === kind);
      if (!group.length) return [];
      return [
        `## ${KIND_TITLE[kind]}`,
        "",
        "| id | severity | what it requires | why | plan | source |",
        "|---|---|---|---|---|---|",
        ...group.map((r) => `| [\`${r.id}\`](#${r.id}) | ${r.severity} | ${cell(r.summary)} | ${cell(r.why)} | ${overlap(r)} | [${cell(r.source.title)}](${r.source.url}) |`),
        "",
      ];
    }),
    "## The rules",
    "",
    ...rules.flatMap((r) => [
      `### ${r.id}`,
      "",
      `**${r.severity}, ${r.kind}.** ${r.summary}`,
      "",
      `Why: ${r.why}`,
      ...(r.planOverlap ? ["", `What \`terraform plan\` already checks (${r.planOverlap.scope}): ${r.planOverlap.detail}.`] : []),
      "",
      `> ${r.source.quote}`,
      "",
      `[${r.source.title}](${r.source.url}) · rule file: \`lib/policy/rules/${r.id}.ts\``,
      "",
    ]),
  ];
  return lines.join("\n");
}
