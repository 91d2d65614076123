import { Token } from "cdktf";
import type { IConstruct } from "constructs";
import { Wafv2RuleGroup } from "@cdktf/provider-aws/lib/wafv2-rule-group";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { defineRule, type Finding } from "../rule";

/** Lowest rate limit AWS WAF accepts in a rate-based rule (requests per evaluation window). */
export const WAF_MIN_RATE_LIMIT = 10;
/** Evaluation windows (seconds) AWS WAF accepts; 300 when unset. */
export const WAF_EVALUATION_WINDOWS: readonly number[] = [60, 120, 300, 600];

/** One rate-based statement as written: its rule's name and the two settings. */
interface RateStatement {
  readonly rule: string;
  readonly limit: unknown;
  readonly window: unknown;
}

/** Key as compared: `RateBasedStatement`, `rateBasedStatement` and `rate_based_statement` are one key. */
const norm = (key: string) => key.toLowerCase().replace(/_/g, "");

/** Every rate-based statement under `node` (rule_json objects or typed `rule` blocks, single or list). */
function rateStatements(node: unknown, rule: string, out: RateStatement[] = []): RateStatement[] {
  if (Array.isArray(node)) {
    for (const item of node) rateStatements(item, rule, out);
    return out;
  }
  if (typeof node !== "object" || node === null) return out;
  for (const [key, value] of Object.entries(node)) {
    if (norm(key) !== "ratebasedstatement") {
      rateStatements(value, rule, out);
      continue;
    }
    for (const statement of Array.isArray(value) ? value : [value]) {
      if (typeof statement !== "object" || statement === null) continue;
      const field = (name: string) => Object.entries(statement).find(([k]) => norm(k) === name)?.[1];
      out.push({ rule, limit: field("limit"), window: field("evaluationwindowsec") });
    }
  }
  return out;
}

/** The rules of an ACL or rule group, each with its name: from rule_json (parsed) and from typed rule blocks. */
function rulesOf(c: Wafv2WebAcl | Wafv2RuleGroup): { readonly name: string; readonly body: unknown }[] {
  const rules: unknown[] = [];
  if (c instanceof Wafv2WebAcl && typeof c.ruleJsonInput === "string") {
    try {
      const parsed: unknown = JSON.parse(c.ruleJsonInput);
      if (Array.isArray(parsed)) rules.push(...parsed);
    } catch {
      // A rule_json built by a Terraform expression cannot be read here.
    }
  }
  if (Array.isArray(c.ruleInput)) rules.push(...c.ruleInput);
  return rules.map((r, i) => {
    const name = typeof r === "object" && r !== null ? Object.entries(r).find(([k]) => norm(k) === "name")?.[1] : undefined;
    return { name: typeof name === "string" ? name : `#${i}`, body: r };
  });
}

const literal = (v: unknown): v is number => typeof v === "number" && !Token.isUnresolved(v);

/** Rate-based rules of WAF ACLs and rule groups: limit at least 10, evaluation window 60, 120, 300 or 600 s. */
export const wafRateLimitMinimum = defineRule({
  id: "waf-rate-limit-minimum",
  severity: "error",
  kind: "apply-time",
  planOverlap: { scope: "part", detail: "the provider validates typed rule blocks (limit, evaluation_window_sec); not rule_json, which the kit's WebAcl uses and CreateWebACL checks" },
  summary: `Every rate-based statement of an aws_wafv2_web_acl (rule or rule_json) or aws_wafv2_rule_group has a limit of at least ${WAF_MIN_RATE_LIMIT} and an evaluation window of ${WAF_EVALUATION_WINDOWS.join(", ")} seconds.`,
  why: "AWS WAF refuses the whole web ACL (WAFInvalidParameterException) when a rate-based rule is below the minimum limit or names another window, so the apply fails and none of its rules change. rule_json is a plain string to Terraform: plan checks nothing in it.",
  source: {
    title: "AWS WAF Developer Guide: Rate-based rule high-level settings in AWS WAF",
    url: "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html",
    quote: "Valid settings are 60 (1 minute), 120 (2 minutes), 300 (5 minutes), and 600 (10 minutes), and 300 (5 minutes) is the default. … The lowest limit setting allowed is 10.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    const report = (resource: IConstruct, message: string) => findings.push({ resource, message });
    for (const acl of [...ctx.all(Wafv2WebAcl), ...ctx.all(Wafv2RuleGroup)]) {
      for (const { name, body } of rulesOf(acl)) {
        for (const s of rateStatements(body, name)) {
          if (literal(s.limit) && s.limit < WAF_MIN_RATE_LIMIT)
            report(acl, `rule ${s.rule}: rate-based limit ${s.limit} is below AWS WAF's minimum of ${WAF_MIN_RATE_LIMIT}; use ${WAF_MIN_RATE_LIMIT} or more (requests per evaluation window per key)`);
          if (literal(s.window) && !WAF_EVALUATION_WINDOWS.includes(s.window)) {
            const nearest = WAF_EVALUATION_WINDOWS.reduce((a, b) => (Math.abs(b - (s.window as number)) < Math.abs(a - (s.window as number)) ? b : a));
            report(acl, `rule ${s.rule}: evaluation window ${s.window} s is not one AWS WAF accepts (${WAF_EVALUATION_WINDOWS.join(", ")}); use ${nearest}`);
          }
        }
      }
    }
    return findings;
  },
});
