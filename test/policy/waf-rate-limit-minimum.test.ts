import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { ruleContext } from "../../lib/policy/rule";
import { wafRateLimitMinimum } from "../../lib/policy/rules/waf-rate-limit-minimum";

const visibility = { cloudwatchMetricsEnabled: true, metricName: "acl", sampledRequestsEnabled: true };

/** An ACL with one rate-based rule in rule_json (the kit's WebAcl writes its rules this way). */
function withRuleJson(rate: { Limit: number; EvaluationWindowSec?: number }): { stack: TerraformStack; acl: Wafv2WebAcl } {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const rules = [
    {
      Name: "auth-rate-limit",
      Priority: 0,
      Action: { Block: {} },
      Statement: { RateBasedStatement: { ...rate, AggregateKeyType: "IP" } },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: "auth-rate-limit", SampledRequestsEnabled: true },
    },
  ];
  const acl = new Wafv2WebAcl(stack, "acl", { name: "acl", scope: "REGIONAL", defaultAction: { allow: {} }, ruleJson: JSON.stringify(rules), visibilityConfig: visibility });
  return { stack, acl };
}

const messages = (stack: TerraformStack) => wafRateLimitMinimum.check(ruleContext(stack, "standard")).map((f) => f.message);

describe("waf-rate-limit-minimum", () => {
  test("fires on a rule_json limit below 10, naming the rule and the minimum", () => {
    const { stack, acl } = withRuleJson({ Limit: 5, EvaluationWindowSec: 300 });
    const findings = wafRateLimitMinimum.check(ruleContext(stack, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(acl);
    expect(findings[0]!.message).toMatch(/rule auth-rate-limit: rate-based limit 5 is below AWS WAF's minimum of 10; use 10 or more/);
  });

  test("fires on an evaluation window WAF does not accept", () => {
    expect(messages(withRuleJson({ Limit: 100, EvaluationWindowSec: 180 }).stack)).toEqual([expect.stringMatching(/rule auth-rate-limit: evaluation window 180 s is not one AWS WAF accepts \(60, 120, 300, 600\); use 120/)]);
  });

  test("fires on a typed rule block too", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    new Wafv2WebAcl(stack, "acl", {
      name: "acl",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility,
      rule: [{ name: "typed", priority: 0, action: { block: {} }, statement: { rate_based_statement: { limit: 2, aggregate_key_type: "IP" } }, visibilityConfig: visibility }],
    });
    expect(messages(stack)).toEqual([expect.stringMatching(/rule typed: rate-based limit 2 is below/)]);
  });

  test("quiet at the minimum, with each accepted window and with the default window", () => {
    for (const window of [60, 120, 300, 600]) expect(messages(withRuleJson({ Limit: 10, EvaluationWindowSec: window }).stack)).toEqual([]);
    expect(messages(withRuleJson({ Limit: 300 }).stack)).toEqual([]);
  });

});
