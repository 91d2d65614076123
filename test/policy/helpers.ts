import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { SafetyTier } from "../../lib/core/lifecycle";
import { ruleContext, type Finding, type GuardrailRule } from "../../lib/policy/rule";

/** A bare stack with an AWS provider, built by `build`. */
export function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return stack;
}

/** The rule's findings on `stack` in `tier`. */
export const findingsOf = (rule: GuardrailRule, stack: TerraformStack, tier: SafetyTier = "standard"): Finding[] => rule.check(ruleContext(stack, tier));
