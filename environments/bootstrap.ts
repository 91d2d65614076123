/**
 * Bootstrap settings per AWS account (stacks/bootstrap-stack.ts, docs/ci.md "Bootstrap once"), and
 * the names of the roles the bootstrap creates next to each environment's deploy role.
 * Tested via: test/stacks/bootstrap.test.ts
 */
import type { EnvironmentConfig } from "./types";

/**
 * Where a bootstrap stack keeps its own state online. `local`: a file under `.bootstrap-state/`
 * (the first apply: the bucket does not exist yet). `bucket`: key `bootstrap-<account>/terraform.tfstate`
 * in the state bucket the stack created. After the first apply, switch the account to `bucket` and
 * run `npm run bootstrap -- <account> --migrate-state` (terraform init -migrate-state).
 */
export type BootstrapState = "local" | "bucket";

/** Per account id: where its bootstrap state lives. Accounts not listed: `local`. */
export const BOOTSTRAP_STATE: Readonly<Record<string, BootstrapState>> = {
  "111111111111": "local",
  "222222222222": "local",
};

/** Name of the stack that bootstraps `accountId`. */
export const bootstrapStackName = (accountId: string): string => `bootstrap-${accountId}`;

/** Name of an IAM role from its ARN (the part after `role/` and any path). */
export const roleNameOf = (roleArn: string): string => roleArn.slice(roleArn.lastIndexOf("/") + 1);

/**
 * The role previews deploy with: `<app>-deploy-preview` in the base environment's (staging's)
 * account. It trusts only `pull_request` runs and may touch only `pr-*` state keys (and read the
 * base's): stacks/bootstrap-stack.ts.
 */
export const previewDeployRoleArn = (base: Pick<EnvironmentConfig, "appName" | "aws">): string =>
  base.aws.deployRoleArn.replace(/role\/.*$/, `role/${base.appName}-deploy-preview`);

/**
 * The read-only role PR plans of a long-lived environment use (`<deploy role>-plan`): it trusts
 * `pull_request` runs, reads the account and the state, writes only lock files. Selected with
 * `SHIPKIT_ROLE=plan` (main.ts), which pr-plan.yml sets for staging's plan. Only environments
 * with `hasPlanRole` get one.
 */
export const planRoleArnOf = (deployRoleArn: string): string => `${deployRoleArn}-plan`;

/**
 * Whether the bootstrap gives `env` a read-only plan role that pull requests may assume. Only
 * long-lived environments that are not protected (staging): a plan role reads the environment's
 * state, and prod's state holds prod's origin-verify secret in plaintext (listener rule
 * conditions), which no pull request's code may see (a PR's workflow files and npm dependencies run
 * with whatever role trusts `pull_request`). A protected environment (prod) is planned in pull
 * requests offline, against the PR's base (pr-plan.yml, docs/ci.md), and online only by its deploy
 * job, behind the GitHub environment's approval.
 */
export const hasPlanRole = (env: Pick<EnvironmentConfig, "safetyTier" | "preview">): boolean => !env.preview && env.safetyTier !== "protected";
