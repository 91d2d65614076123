import { TerraformVariable, Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { ruleContext } from "../../lib/policy/rule";
import { secretsRecoveryWindow as rule } from "../../lib/policy/rules/secrets-recovery-window";

function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return stack;
}

describe("secrets-recovery-window", () => {
  test("fires in the ephemeral and standard tiers on a named secret with a recovery window (set or the default 30)", () => {
    let seven!: SecretsmanagerSecret;
    let unset!: SecretsmanagerSecret;
    const stack = stackWith((s) => {
      seven = new SecretsmanagerSecret(s, "seven", { name: "app-pr-1-db-master", recoveryWindowInDays: 7 });
      unset = new SecretsmanagerSecret(s, "unset", { name: "app-pr-1-api-key" });
    });
    for (const tier of ["ephemeral", "standard"] as const) {
      const findings = rule.check(ruleContext(stack, tier));
      expect(findings.map((f) => f.resource)).toEqual([seven, unset]);
      expect(findings[0]?.message).toMatch(new RegExp(`keeps its fixed name for 7 days after destroy in the ${tier} tier.*set recoveryWindowInDays: TIER_POLICY\\[tier\\]\\.protectState \\? 30 : 0`));
      expect(findings[1]?.message).toMatch(/for 30 \(the default\) days/);
    }
  });

  test("is quiet on window 0, on name_prefix secrets, on a token, and in the protected tier", () => {
    const stack = stackWith((s) => {
      new SecretsmanagerSecret(s, "zero", { name: "app-pr-1-db-master", recoveryWindowInDays: 0 });
      new SecretsmanagerSecret(s, "prefixed", { namePrefix: "app-pr-1-", recoveryWindowInDays: 30 });
      new SecretsmanagerSecret(s, "token", { name: "app-pr-1-x", recoveryWindowInDays: new TerraformVariable(s, "window", { type: "number" }).numberValue });
    });
    expect(rule.check(ruleContext(stack, "ephemeral"))).toEqual([]);
    const protectedStack = stackWith((s) => new SecretsmanagerSecret(s, "kept", { name: "app-prod-db-master", recoveryWindowInDays: 30 }));
    expect(rule.check(ruleContext(protectedStack, "protected"))).toEqual([]);
  });

});
