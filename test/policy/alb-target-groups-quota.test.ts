import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { ruleContext } from "../../lib/policy/rule";
import { albTargetGroupsQuota as rule } from "../../lib/policy/rules/alb-target-groups-quota";

function check(build: (stack: TerraformStack) => void) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return rule.check(ruleContext(stack, "standard"));
}
const group = (stack: TerraformStack, i: number) => new LbTargetGroup(stack, `tg-${i}`, { name: `tg-${i}`, port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1" });
const https = (stack: TerraformStack, defaultTarget?: LbTargetGroup) =>
  new LbListener(stack, "https", {
    loadBalancerArn: new Lb(stack, "alb", { name: "alb" }).arn,
    port: 443,
    protocol: "HTTP",
    defaultAction: [defaultTarget ? { type: "forward", targetGroupArn: defaultTarget.arn } : { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "403" } }],
  });
const forwardRule = (stack: TerraformStack, listener: LbListener, i: number, target: LbTargetGroup) =>
  new LbListenerRule(stack, `rule-${i}`, { listenerArn: listener.arn, priority: i + 1, action: [{ type: "forward", targetGroupArn: target.arn }], condition: [{ pathPattern: { values: [`/p${i}/*`] } }] });

describe("alb-target-groups-quota", () => {
  test("fires on the load balancer when its rules forward to more than 100 distinct target groups; quiet at 100", () => {
    const build = (count: number) => (s: TerraformStack) => {
      const listener = https(s);
      for (let i = 0; i < count; i++) forwardRule(s, listener, i, group(s, i));
    };
    expect(check(build(100))).toEqual([]);
    const findings = check(build(101));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource.node.path).toBe("s/alb");
    expect(findings[0]!.message).toMatch(/load balancer s\/alb forwards to 101 distinct target groups from this stack, over ELB's 100 per Application Load Balancer \(not adjustable\)/);
  });

  test("a target group used by many rules counts once; the listener's default action counts too", () => {
    expect(check((s) => { const tg = group(s, 0); const listener = https(s); for (let i = 0; i < 150; i++) forwardRule(s, listener, i, tg); })).toEqual([]);
    const findings = check((s) => { const listener = https(s, group(s, 1000)); for (let i = 0; i < 100; i++) forwardRule(s, listener, i, group(s, i)); });
    expect(findings[0]!.message).toMatch(/forwards to 101 distinct target groups/);
  });

  test("fires on a weighted forward action with more than 5 target groups", () => {
    const weighted = (n: number) => (s: TerraformStack) => {
      const targetGroup = Array.from({ length: n }, (_, i) => ({ arn: group(s, i).arn, weight: 1 }));
      new LbListenerRule(s, "canary", { listenerArn: https(s).arn, priority: 1, action: [{ type: "forward", forward: { targetGroup } }], condition: [{ pathPattern: { values: ["/*"] } }] });
    };
    expect(check(weighted(5))).toEqual([]);
    expect(check(weighted(6))[0]!.message).toMatch(/a forward action lists 6 target groups, over ELB's 5 per action/);
  });

});
