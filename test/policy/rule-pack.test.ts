import * as fs from "node:fs";
import * as path from "node:path";
import { ephemeral, prod, staging } from "../../environments";
import { beyondPlan, ruleContext } from "../../lib/policy/rule";
import { appliedSuppressions } from "../../lib/policy/suppressions";
import { RULES } from "../../lib/policy/rules";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { GUARDRAILS_DOC, guardrailsDoc } from "../../scripts/lib/guardrails-doc";
import { OFFLINE, synthStrict, tempApp } from "../helpers";

const root = path.resolve(__dirname, "..", "..");

describe("the rule pack", () => {
  test("at least 20 AWS rules plan does not enforce, unique ids, each in its own file named after it, each with its own test", () => {
    expect(RULES.filter(beyondPlan).length).toBeGreaterThanOrEqual(20);
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect({ id, file: fs.existsSync(path.join(root, `lib/policy/rules/${id}.ts`)), test: fs.existsSync(path.join(root, `test/policy/${id}.test.ts`)) }).toEqual({ id, file: true, test: true });
    }
  });

  test("every rule cites an AWS (or HashiCorp) document and quotes it", () => {
    for (const r of RULES) {
      expect({ id: r.id, url: r.source.url }).toEqual({ id: r.id, url: expect.stringMatching(/^https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com|repost\.aws|developer\.hashicorp\.com|registry\.terraform\.io)\//) });
      expect(r.source.quote.length).toBeGreaterThanOrEqual(20);
    }
  });

  test.each([prod, staging, ephemeral(42)])("$name triggers no rule and ships no suppression (a real synth, aspects included)", (env) => {
    const stack = new EnvironmentStack(tempApp(), { env, deployment: OFFLINE });
    synthStrict(stack); // fails on any error annotation
    const ctx = ruleContext(stack, env.safetyTier);
    const findings = RULES.flatMap((r) => r.check(ctx).map((f) => `[${r.id}] ${f.resource.node.path}: ${f.message}`));
    expect(findings).toEqual([]);
    expect(appliedSuppressions(stack)).toEqual([]);
  });

  test(`${GUARDRAILS_DOC} is generated from the rule files (run npm run docs:guardrails)`, () => {
    expect(fs.readFileSync(path.join(root, GUARDRAILS_DOC), "utf8")).toBe(guardrailsDoc(RULES));
  });
});
