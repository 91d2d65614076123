import type { App } from "cdktf";
import type { EnvironmentConfig } from "../environments/types";
import { BOOTSTRAP_STATE, OPERATORS, validateOperators } from "../environments/bootstrap";
import { EnvironmentConfigError } from "../environments/validate";
import { github } from "../environments/github";
import { BootstrapStack } from "./bootstrap-stack";
import type { Deployment } from "./deployment";

/**
 * The bootstrap stacks of an app: one per AWS account its long-lived environments (prod, staging)
 * live in, in the order the environments come (prod's account first). Returned with the
 * environment each stack reports under (the account's first). Each account's stack trusts its
 * operators (environments/bootstrap.ts `OPERATORS`); operators listed for an account no
 * long-lived environment uses are refused (a mistyped id). Tested via: test/stacks/bootstrap.test.ts
 */
export function bootstrapStacks(
  app: App,
  envs: readonly EnvironmentConfig[],
  deployment: Deployment,
  operatorConfig: Readonly<Record<string, readonly string[]>> = OPERATORS,
): { readonly stack: BootstrapStack; readonly env: EnvironmentConfig }[] {
  const longLived = envs.filter((e) => !e.preview);
  const accounts = [...new Set(longLived.map((e) => e.aws.accountId))];
  const operators = validateOperators(operatorConfig);
  // A mistyped account id would leave the real account without operators, silently.
  const strays = Object.keys(operators).filter((a) => operators[a]!.length && !accounts.includes(a));
  if (strays.length)
    throw new EnvironmentConfigError(strays.map((a) => `OPERATORS[${JSON.stringify(a)}] is not the account of any long-lived environment (${accounts.join(", ")}) (environments/bootstrap.ts)`));
  return accounts.map((accountId) => {
    const own = longLived.filter((e) => e.aws.accountId === accountId);
    const stack = new BootstrapStack(app, { envs: own, allEnvs: longLived, github, deployment, state: BOOTSTRAP_STATE[accountId] ?? "local", operators: operators[accountId] ?? [] });
    return { stack, env: own[0]! };
  });
}
