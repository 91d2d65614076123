/**
 * What a GitHub Actions job needs to know about one environment, from the same config the stacks
 * are built from (so workflows hard-code no account, region, role or repository):
 * `npm run --silent ci:target -- <prod|staging|pr-<n>>` prints `key=value` lines for $GITHUB_OUTPUT.
 * Tested via: test/workflows.test.ts
 */
import { ephemeral, parsePrNumber, prod, staging } from "../../environments";
import { hasPlanRole, planRoleArnOf } from "../../environments/bootstrap";
import { previewRepository } from "../../environments/schema";
import type { EnvironmentConfig } from "../../environments/types";
import { Names } from "../../lib/core/naming";
import { roleArnOf } from "../../stacks/deployment";
import { dnsStackName } from "../../stacks/edge-state";
import { edgeStackName } from "../../stacks/edge-contract";
import { repositoriesOf } from "../../stacks/shared-state";

/** One environment, as a workflow sees it. */
export interface CiTarget {
  /** Environment (and stack) name. */
  readonly env: string;
  readonly accountId: string;
  readonly region: string;
  /** Role deploys assume (OIDC): the environment's deploy role (a preview's: the preview role). */
  readonly roleArn: string;
  /**
   * Role pull-request plans assume: the read-only plan role of an unprotected environment
   * (staging), the preview role for a preview. Undefined for a protected environment (prod): no
   * role of its account trusts pull requests, so pr-plan.yml plans it offline against the PR's base.
   */
  readonly planRoleArn: string | undefined;
  /** ECR registry host of the environment's account. */
  readonly registry: string;
  /** Image repositories to push to, full names, as JSON (prod/staging: their own; a preview: staging's `-previews` ones). */
  readonly imageRepositories: readonly string[];
  /** The app's repository names the images are built from (`<name>/Dockerfile`), in the same order. */
  readonly buildContexts: readonly string[];
  /** The environment's DNS stack and its zone's edge stack. */
  readonly dnsStack: string;
  readonly edgeStack: string;
}

export class CiTargetError extends Error {}

/** The target of `name` (`prod`, `staging` or `pr-<n>`). */
export function ciTarget(name: string | undefined): CiTarget {
  let env: EnvironmentConfig;
  if (name === "prod") env = prod;
  else if (name === "staging") env = staging;
  else if (name && /^pr-/.test(name)) env = ephemeral(parsePrNumber(name.slice(3))!);
  else throw new CiTargetError(`usage: npm run --silent ci:target -- <prod|staging|pr-<n>> (got ${JSON.stringify(name ?? "")})`);
  const repos = repositoriesOf(env);
  const base = env.preview ? (env.preview.base === "staging" ? staging : prod) : env;
  const names = new Names(base.appName, base.name);
  return {
    env: env.name,
    accountId: env.aws.accountId,
    region: env.aws.region,
    roleArn: roleArnOf(env, { mode: "online" }),
    planRoleArn: env.preview ? env.aws.deployRoleArn : hasPlanRole(env) ? planRoleArnOf(env.aws.deployRoleArn) : undefined,
    registry: `${env.aws.accountId}.dkr.ecr.${env.aws.region}.amazonaws.com`,
    imageRepositories: repos.map((r) => names.of(env.preview ? previewRepository(r) : r)),
    buildContexts: repos,
    dnsStack: dnsStackName(env.name),
    edgeStack: edgeStackName(env.cloudflare.zone),
  };
}

/** `key=value` lines for $GITHUB_OUTPUT (lists as JSON, for `fromJSON` in a matrix); no `plan_role_arn` line when there is none. */
export function ciTargetOutput(t: CiTarget): string {
  const rows: [string, string | undefined][] = [
    ["env", t.env],
    ["account_id", t.accountId],
    ["region", t.region],
    ["role_arn", t.roleArn],
    ["plan_role_arn", t.planRoleArn],
    ["registry", t.registry],
    ["image_repositories", JSON.stringify(t.imageRepositories)],
    ["build_contexts", JSON.stringify(t.buildContexts)],
    ["images", t.imageRepositories.map((r, i) => `${t.buildContexts[i]}=${r}`).join(" ")],
    ["dns_stack", t.dnsStack],
    ["edge_stack", t.edgeStack],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}
