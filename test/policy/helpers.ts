import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ephemeral, prod, staging } from "../../environments";
import type { SafetyTier } from "../../lib/core/lifecycle";
import { ruleContext, type Finding, type GuardrailRule } from "../../lib/policy/rule";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { OFFLINE, tempApp } from "../helpers";

/** A bare stack with an AWS provider, built by `build`. */
export function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return stack;
}

/** The rule's findings on `stack` in `tier`. */
export const findingsOf = (rule: GuardrailRule, stack: TerraformStack, tier: SafetyTier = "standard"): Finding[] => rule.check(ruleContext(stack, tier));

/** Registers "quiet on today's prod, staging and pr-42" for `rule`. */
export function quietOnShippedStacks(rule: GuardrailRule): void {
  test.each([prod, staging, ephemeral(42)])(`${rule.id} is quiet on the shipped $name stack`, (env) => {
    const stack = new EnvironmentStack(tempApp(), { env, deployment: OFFLINE });
    expect(rule.check(ruleContext(stack, env.safetyTier)).map((f) => `${f.resource.node.path}: ${f.message}`)).toEqual([]);
  });
}
