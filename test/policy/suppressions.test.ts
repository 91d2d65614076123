import { Aspects, TerraformStack, Testing } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { staging } from "../../environments";
import { transform } from "../../lib/core/transform";
import { Guardrails } from "../../lib/policy/guardrails";
import { appliedSuppressions, suppressRule } from "../../lib/policy/suppressions";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { OFFLINE, environmentProblems, synthStrict, tempApp, withEnv } from "../helpers";

const REASON = "kept forever by the audit team's retention policy (ticket SEC-12)";

function guardedStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  Aspects.of(stack).add(new Guardrails({ tier: "standard" }));
  return stack;
}

describe("suppressions", () => {
  test("a suppression with a reason silences that rule on that resource only, and is recorded", () => {
    const stack = guardedStack();
    const kept = new CloudwatchLogGroup(stack, "audit", { name: "audit" });
    new CloudwatchLogGroup(stack, "other", { name: "other" });
    suppressRule(kept, "log-retention", REASON);
    // The other group still fails.
    expect(() => synthStrict(stack)).toThrow(/\[guardrail:log-retention\] has no retention .*s\/other/);
  });

  test("a silenced finding lets synth pass and shows in appliedSuppressions", () => {
    const stack = guardedStack();
    suppressRule(new CloudwatchLogGroup(stack, "audit", { name: "audit" }), "log-retention", REASON);
    expect(() => synthStrict(stack)).not.toThrow();
    expect(appliedSuppressions(stack)).toEqual([{ rule: "log-retention", reason: REASON, path: "s/audit" }]);
  });

  test("a reason is required, and a suppression that silences nothing is reported as stale", () => {
    const stack = guardedStack();
    const group = new CloudwatchLogGroup(stack, "audit", { name: "audit", retentionInDays: 7 });
    expect(() => suppressRule(group, "log-retention", "because")).toThrow(/needs a reason of at least 20 characters/);
    expect(() => suppressRule(group, "log-retension", REASON)).toThrow(/s\/audit: "log-retension" is not a guardrail rule\. Did you mean "log-retention"\?/);
    suppressRule(group, "log-retention", REASON);
    synthStrict(stack); // warnings do not fail synth
    // Listed for the plan summary as stale.
    expect(appliedSuppressions(stack)).toEqual([{ rule: "log-retention", reason: REASON, path: "s/audit", silenced: false }]);
    expect(group.node.metadata.map((m) => String(m.data))).toEqual(expect.arrayContaining([expect.stringMatching(/\[guardrail:log-retention\] suppression on s\/audit silences nothing/)]));
  });

  test("environments suppress by construct path; unknown rules and paths are refused naming the entry", () => {
    // Break the rule on purpose through the escape hatch, then suppress it for that one resource.
    const path = "database-admin/logs";
    const env = withEnv(staging, {
      transforms: [transform(CloudwatchLogGroup, path, "test: drop the retention to exercise a suppression", (g) => g.resetRetentionInDays())],
      guardrailSuppressions: [{ rule: "log-retention", path, reason: REASON }],
    });
    const stack = new EnvironmentStack(tempApp(), { env, deployment: OFFLINE });
    expect(() => synthStrict(stack)).not.toThrow();
    expect(appliedSuppressions(stack)).toEqual([{ rule: "log-retention", reason: REASON, path: `staging/${path}` }]);

    expect(environmentProblems(withEnv(staging, { guardrailSuppressions: [{ rule: "log-retension", path, reason: REASON }] }))).toEqual([
      expect.stringMatching(/^staging\.guardrailSuppressions\[0\]\.rule "log-retension" is not a guardrail rule\. Did you mean "log-retention"\?/),
    ]);
    expect(() => new EnvironmentStack(tempApp(), { env: withEnv(staging, { guardrailSuppressions: [{ rule: "log-retention", path: "database-admin/nope", reason: REASON }] }), deployment: OFFLINE })).toThrow(
      /"guardrailSuppressions\[0\]\.path" "database-admin\/nope" matches no resource; resources there: database-admin\/logs/,
    );
  });
});
