import { Fn, Testing, TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LbListenerRule, type LbListenerRuleCondition } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { ruleContext } from "../../lib/policy/rule";
import { listenerRuleConditionValues as rule } from "../../lib/policy/rules/listener-rule-condition-values";

function check(condition: (stack: TerraformStack) => LbListenerRuleCondition[]) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new LbListenerRule(stack, "rule", {
    listenerArn: "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/a/1/2",
    priority: 1,
    action: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200" } }],
    condition: condition(stack),
  });
  return rule.check(ruleContext(stack, "standard")).map((f) => f.message);
}
const paths = (...values: string[]): LbListenerRuleCondition => ({ pathPattern: { values } });
const hosts = (...values: string[]): LbListenerRuleCondition => ({ hostHeader: { values } });
/** The kit's origin-verify condition: a token list (current and previous secret). */
const originVerify = (s: TerraformStack): LbListenerRuleCondition => ({
  httpHeader: { httpHeaderName: "x-origin-verify", values: Fn.compact([new TerraformVariable(s, "a", { type: "string" }).stringValue, new TerraformVariable(s, "b", { type: "string" }).stringValue]) },
});

describe("listener-rule-condition-values", () => {
  test("fires when the rule's values add up to more than 5; quiet at 5", () => {
    expect(check(() => [paths("/a", "/b", "/c"), hosts("a.example.com", "b.example.com")])).toEqual([]);
    expect(check(() => [paths("/a", "/b", "/c"), hosts("a.example.com", "b.example.com", "c.example.com")])).toEqual([
      expect.stringMatching(/has 6 condition values \(path_pattern 3, host_header 3\), over ELB's 5 per rule; use fewer paths or hosts per rule/),
    ]);
  });

  test("fires on more than 3 values in one condition", () => {
    expect(check(() => [paths("/a", "/b", "/c", "/d")])).toEqual([expect.stringMatching(/its path_pattern condition has 4 values, over ELB's 3 per condition/)]);
  });

  test("query-string pairs, header, method and source-IP values count too", () => {
    const messages = check(() => [
      { queryString: [{ key: "v", value: "1" }, { key: "v", value: "2" }] },
      { httpHeader: { httpHeaderName: "x-env", values: ["a"] } },
      { httpRequestMethod: { values: ["GET", "HEAD"] } },
      { sourceIp: { values: ["10.0.0.0/8"] } },
    ]);
    expect(messages).toEqual([expect.stringMatching(/has 6 condition values/)]);
  });

  test("a token list counts as one value: quiet unless the literal values alone are too many", () => {
    expect(check((s) => [originVerify(s), paths("/a", "/b", "/c"), hosts("a.example.com")])).toEqual([]);
    expect(check((s) => [originVerify(s), paths("/a", "/b", "/c"), hosts("a.example.com", "b.example.com")])).toEqual([
      expect.stringMatching(/has at least 6 condition values \(http_header ≥1, path_pattern 3, host_header 2\)/),
    ]);
  });

});
