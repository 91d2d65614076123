import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { ruleContext } from "../../lib/policy/rule";
import { logRetentionValues } from "../../lib/policy/rules/log-retention-values";

function stack(): TerraformStack {
  const s = new TerraformStack(Testing.app(), "s");
  new AwsProvider(s, "aws", { region: "us-east-1" });
  return s;
}

describe("log-retention-values", () => {
  test("fires on a retention CloudWatch Logs rejects, naming the value and the nearest accepted ones", () => {
    const s = stack();
    const group = new CloudwatchLogGroup(s, "logs", { name: "app", retentionInDays: 45 });
    const findings = logRetentionValues.check(ruleContext(s, "standard"));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(group);
    expect(findings[0]!.message).toMatch(/retention_in_days is 45, which CloudWatch Logs rejects.*use 60 \(or 30\)/);
  });

  test("fires above the longest retention (10 years)", () => {
    const s = stack();
    new CloudwatchLogGroup(s, "logs", { name: "app", retentionInDays: 4000 });
    expect(logRetentionValues.check(ruleContext(s, "standard"))[0]!.message).toMatch(/is 4000.*use at most 3653/);
  });

  test("quiet on accepted values (1096 included), on no retention and on DELIVERY-class groups", () => {
    const s = stack();
    for (const days of [1, 14, 30, 1096, 3653]) new CloudwatchLogGroup(s, `logs-${days}`, { name: `app-${days}`, retentionInDays: days });
    new CloudwatchLogGroup(s, "unset", { name: "unset" });
    new CloudwatchLogGroup(s, "delivery", { name: "delivery", logGroupClass: "DELIVERY", retentionInDays: 2 });
    expect(logRetentionValues.check(ruleContext(s, "standard"))).toEqual([]);
  });

});
