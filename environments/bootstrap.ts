/**
 * Bootstrap settings per AWS account (stacks/bootstrap-stack.ts, docs/ci.md "Bootstrap once"), and
 * the names of the roles the bootstrap creates next to each environment's deploy role.
 * Tested via: test/stacks/bootstrap.test.ts
 */
import { z } from "zod";
import type { EnvironmentConfig } from "./types";
import { EnvironmentConfigError } from "./validate";

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

/**
 * Operators: the people's principals (IAM roles or users, full ARNs) that may assume every deploy
 * role and the preview role of an account, per account id. The runbook's manual commands
 * (`npm run deploy -- <stack>` by hand, the edge applied first for a new hostname, a preview torn
 * down by hand) and `npm run rotate:origin` run outside GitHub Actions, and the roles otherwise
 * trust only their GitHub subject, themselves and each other; so without an operator nobody can
 * run them. Rotating staging's secret takes one set of credentials that can assume prod's deploy
 * role (edge), staging's deploy role and the preview role (the `pr-<n>` stacks' providers assume it
 * directly): list the same person's principals in both accounts.
 *
 * Who: the on-call people who may deploy prod by hand, nobody else (an operator of prod's account
 * can read prod's state, and so prod's origin-verify secret). Prefer an IAM Identity Center
 * permission-set role (`arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<set>_<suffix>`,
 * path included, exactly as `aws iam get-role` prints `Arn`; the suffix changes if every assignment
 * of the set to the account is removed and re-added: update it here and re-run the bootstrap): its
 * sign-in carries the identity provider's MFA. An IAM user must use MFA: its statement requires
 * `aws:MultiFactorAuthPresent` (`aws sts get-session-token --serial-number … --token-code …`
 * first, or a profile with `mfa_serial`). No wildcards, no assumed-role session ARNs, and never a
 * role GitHub Actions assumes (stacks/bootstrap-stack.ts refuses the bootstrap's own roles).
 * Accounts not listed: none. Tested via: test/stacks/bootstrap.test.ts
 */
export const OPERATORS: Readonly<Record<string, readonly string[]>> = {
  "111111111111": [],
  "222222222222": [],
};

const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
/**
 * One operator principal: `arn:<partition>:iam::<12 digits>:role/<path/>name` or `:user/<path/>name`,
 * the path printable ASCII (IAM), the name IAM's characters; no `*` or `?` (aws:PrincipalArn is
 * matched with ArnEquals: a wildcard would be literal, and a pattern is not what is meant).
 */
export const operatorArnSchema = z.string().superRefine((arn, ctx) => {
  const problem = (message: string) => ctx.addIssue({ code: "custom", message });
  if (/[*?]/.test(arn)) return problem("contains a wildcard (* or ?); list each principal's full ARN");
  if (/^arn:[^:]+:sts::/.test(arn))
    return problem("is an STS session ARN; list the IAM role's ARN (arn:aws:iam::<account>:role/<path/>name; for IAM Identity Center role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<set>_<suffix>)");
  const m = /^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):(role|user)\/(.*)$/.exec(arn);
  if (!m) return problem("is not the full ARN of an IAM role or user (arn:aws:iam::<12-digit account>:role/<path/>name or :user/<path/>name)");
  const parts = m[4]!.split("/");
  const name = parts.pop()!;
  if (!IAM_NAME.test(name)) return problem(`ends in ${JSON.stringify(name)}, not an IAM ${m[3]} name (1–64 letters, digits or + = , . @ _ -)`);
  if (parts.some((p) => !/^[\x21-\x7e]+$/.test(p))) return problem("has an empty or non-ASCII path segment (IAM paths are /…/ of printable ASCII)");
});

/** The whole setting: per 12-digit account id, a list of distinct operator ARNs. */
export const operatorsSchema = z.record(
  z.string().regex(/^[0-9]{12}$/, "is not a 12-digit AWS account id"),
  z.array(operatorArnSchema).superRefine((arns, ctx) => {
    arns.forEach((a, i) => {
      if (arns.indexOf(a) !== i) ctx.addIssue({ code: "custom", path: [i], message: "is listed twice" });
    });
  }),
);

/** Validates OPERATORS (or a stand-in); throws EnvironmentConfigError naming the account, the index, the value and the fix. */
export function validateOperators(operators: Readonly<Record<string, readonly string[]>>): Readonly<Record<string, readonly string[]>> {
  const parsed = operatorsSchema.safeParse(operators);
  if (parsed.success) return parsed.data;
  throw new EnvironmentConfigError(
    parsed.error.issues.map((i) => {
      const [account, index] = i.path;
      const where = index === undefined ? `OPERATORS[${JSON.stringify(account)}]` : `OPERATORS[${JSON.stringify(account)}][${String(index)}]`;
      const value = index === undefined ? account : operators[String(account)]?.[Number(index)];
      return `${where} ${JSON.stringify(value)} ${i.message} (environments/bootstrap.ts)`;
    }),
  );
}

/** Whether an operator ARN is an IAM user (whose trust statement requires MFA) rather than a role. */
export const isIamUserArn = (arn: string): boolean => /^arn:[^:]+:iam::[0-9]{12}:user\//.test(arn);
