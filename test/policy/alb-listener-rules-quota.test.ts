import { Testing, TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { ruleContext } from "../../lib/policy/rule";
import { albListenerRulesQuota as rule } from "../../lib/policy/rules/alb-listener-rules-quota";

function check(build: (stack: TerraformStack) => void) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return rule.check(ruleContext(stack, "standard"));
}
const fixed = [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200" } }];
const listener = (stack: TerraformStack, lb: Lb, port: number) => new LbListener(stack, `listener-${port}`, { loadBalancerArn: lb.arn, port, protocol: "HTTP", defaultAction: fixed });
const rules = (stack: TerraformStack, listenerArn: string, count: number, prefix = "r") => {
  for (let i = 0; i < count; i++) new LbListenerRule(stack, `${prefix}-${i}`, { listenerArn, priority: i + 1, action: fixed, condition: [{ pathPattern: { values: [`/p${i}/*`] } }] });
};

describe("alb-listener-rules-quota", () => {
  test("fires on the load balancer when its listeners carry more than 100 rules; quiet at 100", () => {
    const build = (count: number) => (s: TerraformStack) => rules(s, listener(s, new Lb(s, "alb", { name: "alb" }), 443).arn, count);
    expect(check(build(100))).toEqual([]);
    const findings = check(build(101));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource.node.path).toBe("s/alb");
    expect(findings[0]!.message).toMatch(/load balancer s\/alb gets 101 listener rules from this stack, over the 100 rules per Application Load Balancer.*raise the quota and suppress/);
  });

  test("counts every listener of the same load balancer together", () => {
    const findings = check((s) => {
      const lb = new Lb(s, "alb", { name: "alb" });
      rules(s, listener(s, lb, 443).arn, 60, "https");
      rules(s, listener(s, lb, 80).arn, 41, "http");
    });
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/gets 101 listener rules/)]);
  });

  test("two literal listener ARNs of one load balancer count together; of two load balancers apart", () => {
    const arn = (lb: string, l: string) => `arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/shared/${lb}/${l}`;
    expect(check((s) => { rules(s, arn("aaa", "l1"), 50, "a"); rules(s, arn("aaa", "l2"), 51, "b"); })[0]!.message).toMatch(/loadbalancer\/app\/shared\/aaa gets 101/);
    expect(check((s) => { rules(s, arn("aaa", "l1"), 50, "a"); rules(s, arn("bbb", "l2"), 51, "b"); })).toEqual([]);
  });

  test("a listener from outside the stack (remote state) is counted on its own", () => {
    const findings = check((s) => rules(s, new TerraformVariable(s, "listener_arn", { type: "string" }).stringValue, 101));
    expect(findings[0]!.message).toMatch(/listener \$\{var.listener_arn\} \(its other rules, from other stacks, are not counted\) gets 101/);
    expect(findings[0]!.resource.node.path).toBe("s/r-100");
  });

});
