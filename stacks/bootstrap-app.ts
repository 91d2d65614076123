import type { App } from "cdktf";
import type { EnvironmentConfig } from "../environments/types";
import { BOOTSTRAP_STATE } from "../environments/bootstrap";
import { github } from "../environments/github";
import { BootstrapStack } from "./bootstrap-stack";
import type { Deployment } from "./deployment";

/**
 * The bootstrap stacks of an app: one per AWS account its long-lived environments (prod, staging)
 * live in, in the order the environments come (prod's account first). Returned with the
 * environment each stack reports under (the account's first). Tested via: test/stacks/bootstrap.test.ts
 */
export function bootstrapStacks(app: App, envs: readonly EnvironmentConfig[], deployment: Deployment): { readonly stack: BootstrapStack; readonly env: EnvironmentConfig }[] {
  const longLived = envs.filter((e) => !e.preview);
  const accounts = [...new Set(longLived.map((e) => e.aws.accountId))];
  return accounts.map((accountId) => {
    const own = longLived.filter((e) => e.aws.accountId === accountId);
    const stack = new BootstrapStack(app, { envs: own, allEnvs: longLived, github, deployment, state: BOOTSTRAP_STATE[accountId] ?? "local" });
    return { stack, env: own[0]! };
  });
}
