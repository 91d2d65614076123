import * as path from "node:path";
import type { Construct } from "constructs";
import { Aspects, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import type { EnvironmentConfig } from "../environments/types";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, oidcSubjects, validateGithub, type GithubRepository } from "../environments/github";
import { bootstrapStackName, hasPlanRole, planRoleArnOf, previewDeployRoleArn, roleNameOf, validateOperators, type BootstrapState } from "../environments/bootstrap";
import { ConfigError } from "../lib/core/errors";
import { GithubOidcRole } from "../lib/ci/github-oidc-role";
import { Guardrails } from "../lib/policy/guardrails";
import { StateBucket } from "../lib/storage/state-bucket";
import { OFFLINE_AWS_SETTINGS, stateKey, type Deployment } from "./deployment";
import { PREVIEW_BASE } from "../environments/schema";
import { MANAGED_BY, MIN_TERRAFORM_VERSION } from "./environment-stack";
import { deployPolicy, planPolicy, previewPolicy, type AccountFacts } from "./bootstrap-policies";

/** AWS managed policy the plan roles read the account with. */
export const READ_ONLY_ACCESS = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/** Folder of the local bootstrap state (online, state `local`), relative to the working directory. */
export const LOCAL_BOOTSTRAP_STATE_DIR = ".bootstrap-state";

export interface BootstrapStackProps {
  /**
   * The long-lived environments (prod, staging) in this AWS account; they share its state bucket
   * unless their `aws.stateBucket` differ (then one bucket each). The one that is a preview base
   * (staging) also gets the preview role.
   */
  readonly envs: readonly EnvironmentConfig[];
  /** Every long-lived environment of the app, in any account (other state buckets never written; previews denied the protected ones; prod's deploy role may assume staging's). */
  readonly allEnvs: readonly EnvironmentConfig[];
  /** The repository whose workflows the roles trust. */
  readonly github: GithubRepository;
  /** Online (ambient admin credentials, local or S3 state) or offline (plan only). */
  readonly deployment: Deployment;
  /** Where the stack's own state lives online (environments/bootstrap.ts). @default "local" */
  readonly state?: BootstrapState;
  /**
   * Operators of this account (environments/bootstrap.ts `OPERATORS`): people's IAM role or user
   * ARNs that every deploy role and the preview role here trust for `sts:AssumeRole` (users with
   * MFA only), for the runbook's manual commands and `npm run rotate:origin`. The plan role never
   * trusts them (it has no use for them). @default none
   */
  readonly operators?: readonly string[];
  /** Days old state versions are kept. @default 90 */
  readonly noncurrentVersionDays?: number;
}

/**
 * One AWS account's bootstrap, `bootstrap-<account id>`: what must exist before any environment
 * stack can plan or deploy. Deployed once per account by a human with admin credentials: its
 * provider uses the ambient credentials (no deploy role: the roles do not exist yet), guarded by
 * `allowed_account_ids`. It creates
 * - the state bucket (`aws.stateBucket`; lib/storage/state-bucket.ts);
 * - the GitHub OIDC provider (`https://token.actions.githubusercontent.com`, audience
 *   `sts.amazonaws.com`), without thumbprints: AWS "secures communication with OIDC identity
 *   providers (IdPs) using our library of trusted root certificate authorities (CAs)" and uses the
 *   thumbprints only for IdPs whose certificate no trusted CA signed, which GitHub's is not
 *   (IAM API Reference, UpdateOpenIDConnectProviderThumbprint:
 *   https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html);
 *   aws-actions/configure-aws-credentials' README (v6.2.3, "OIDC provider") agrees on GitHub's side:
 *   specifying the certificate fingerprint "is no longer necessary. The thumbprint, if specified,
 *   will be ignored"; `thumbprint_list` is optional in provider 5.100 (the offline plan of this
 *   stack checks it);
 * - per environment, its deploy role (`aws.deployRoleArn`) trusting one GitHub subject (prod: the
 *   `prod` GitHub environment; staging: the main branch); for an environment that is not protected
 *   (staging), a read-only plan role (`<deploy role>-plan`) trusting `pull_request` runs, for the
 *   plans shown in PRs. A protected environment (prod) gets none (environments/bootstrap.ts
 *   `hasPlanRole`): its state holds its origin-verify secret, so no role of its account trusts a
 *   subject a pull request can present, and its bucket grants nothing to other accounts;
 * - in the preview base's account, the preview role (`<app>-deploy-preview`), `pull_request` only,
 *   state keys `pr-*` only, denied prod's account, state and names (stacks/bootstrap-policies.ts);
 * - on every deploy role and the preview role, the account's operators (`operators`,
 *   environments/bootstrap.ts `OPERATORS`: people's IAM roles or users, users with MFA), who run
 *   the runbook's manual commands and `npm run rotate:origin`. Never on the plan role.
 *
 * State: online, `local` (`.bootstrap-state/bootstrap-<account>.tfstate`) for the first apply, then
 * `bucket` (key `bootstrap-<account>/terraform.tfstate` in the bucket it created, ambient
 * credentials) after `npm run bootstrap -- <account> --migrate-state` (docs/ci.md). Offline: local
 * state in the offline folder, like every stack.
 *
 * Cost: cents per month (state objects). Tested via: test/stacks/bootstrap.test.ts (synth and a real offline plan)
 */
export class BootstrapStack extends TerraformStack {
  readonly accountId: string;
  readonly stateBuckets: readonly StateBucket[];
  readonly oidcProvider: IamOpenidConnectProvider;
  /** Roles by purpose: `deploy-<env>`, `plan-<env>` (environments with `hasPlanRole` only), `preview`. */
  readonly roles: Readonly<Record<string, GithubOidcRole>>;

  constructor(scope: Construct, props: BootstrapStackProps) {
    const { envs, deployment } = props;
    const first = envs[0];
    if (!first) throw ConfigError.before(scope, "bootstrap", "envs", "is empty; pass the long-lived environments of the account");
    const accountId = first.aws.accountId;
    super(scope, bootstrapStackName(accountId));
    this.accountId = accountId;
    const others = envs.filter((e) => e.aws.accountId !== accountId || e.aws.region !== first.aws.region);
    if (others.length)
      throw new ConfigError(this, "envs", `mixes accounts or regions (${envs.map((e) => `${e.name}: ${e.aws.accountId} ${e.aws.region}`).join(", ")}); build one bootstrap stack per account, in the region of its environments`);
    if (envs.some((e) => e.preview)) throw new ConfigError(this, "envs", "includes a preview; previews borrow their base's account and get the preview role from its bootstrap");
    const github = validateGithub(props.github);
    const partition = /^arn:([^:]+):/.exec(first.aws.deployRoleArn)?.[1] ?? "aws";
    const subjects = oidcSubjects(github);
    const operators = validateOperators({ [accountId]: props.operators ?? [] })[accountId] ?? [];
    // A role GitHub Actions assumes is no operator: listing one would open every role here to its
    // workflows (the preview role or a plan role: to pull requests).
    const previewBase = props.allEnvs.find((e) => e.name === PREVIEW_BASE);
    const githubRoles = [...props.allEnvs.filter((e) => !e.preview).flatMap((e) => [e.aws.deployRoleArn, ...(hasPlanRole(e) ? [planRoleArnOf(e.aws.deployRoleArn)] : [])]), ...(previewBase ? [previewDeployRoleArn(previewBase)] : [])];
    const githubOperators = operators.filter((o) => githubRoles.some((r) => r.toLowerCase() === o.toLowerCase()));
    if (githubOperators.length)
      throw new ConfigError(this, "operators", `${JSON.stringify(githubOperators)} are roles GitHub Actions assumes, not people: remove them from OPERATORS["${accountId}"] in environments/bootstrap.ts (roles reach each other through assumableBy)`);

    new AwsProvider(
      this,
      "aws",
      deployment.mode === "online"
        ? { region: first.aws.region, allowedAccountIds: [accountId], defaultTags: [{ tags: { app: first.appName, "managed-by": MANAGED_BY, stack: this.node.id } }] }
        : { region: first.aws.region, defaultTags: [{ tags: { app: first.appName, "managed-by": MANAGED_BY, stack: this.node.id } }], ...OFFLINE_AWS_SETTINGS },
    );
    this.useBackend(props);
    this.addOverride("terraform.required_version", MIN_TERRAFORM_VERSION);
    // The whole rule pack, as for every stack; the state bucket is protected whatever the tier.
    Aspects.of(this).add(new Guardrails({ tier: "protected" }));

    // No cross-account readers: environment stacks read no other account's state (their certificate
    // comes from an ACM data source in their own account), and the edge state in prod's bucket
    // holds every class's origin-verify secret, prod's included.
    const bucketNames = [...new Set(envs.map((e) => e.aws.stateBucket))];
    this.stateBuckets = bucketNames.map((name, i) => new StateBucket(this, i === 0 ? "state" : `state-${i}`, { bucketName: name, partition, noncurrentVersionDays: props.noncurrentVersionDays }));

    this.oidcProvider = new IamOpenidConnectProvider(this, "github-oidc", { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: [GITHUB_OIDC_AUDIENCE] });
    const oidcProviderArn = `arn:${partition}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;

    const base = envs.find((e) => e.name === PREVIEW_BASE);
    const previewArn = base ? previewDeployRoleArn(base) : undefined;
    const bootstrapRoleArns = [...envs.flatMap((e) => [e.aws.deployRoleArn, ...(hasPlanRole(e) ? [planRoleArnOf(e.aws.deployRoleArn)] : [])]), ...(previewArn ? [previewArn] : [])];
    const roles: Record<string, GithubOidcRole> = {};
    const common = { accountId, partition, providerArn: oidcProviderArn, providerHost: GITHUB_OIDC_HOST, audience: GITHUB_OIDC_AUDIENCE, dependsOn: [this.oidcProvider] };

    for (const env of envs) {
      const facts: AccountFacts = { partition, accountId, appName: env.appName, stateBucketArn: `arn:${partition}:s3:::${env.aws.stateBucket}`, bootstrapRoleArns, oidcProviderArn };
      const otherBuckets = props.allEnvs.filter((e) => !e.preview && e.aws.stateBucket !== env.aws.stateBucket).map((e) => e.aws.stateBucket);
      // The protected environment (prod) deploys only from jobs in the GitHub environment `prod`
      // (approval, main only); the others from main.
      const subject = env.safetyTier === "protected" ? subjects.prod : subjects.staging;
      roles[`deploy-${env.name}`] = new GithubOidcRole(this, `deploy-${env.name}`, {
        ...common,
        roleName: roleNameOf(env.aws.deployRoleArn),
        subject,
        description: `Deploys ${env.name} from GitHub Actions (${subject})`,
        policies: { deploy: deployPolicy(facts, otherBuckets) },
        // The edge stack (deployed by prod's job) manages certificates in this account too: prod's
        // deploy role may assume this one, never the other way round.
        assumableBy: env.safetyTier === "protected" ? [] : props.allEnvs.filter((e) => !e.preview && e.safetyTier === "protected" && e.aws.accountId !== accountId && e.cloudflare.zone === env.cloudflare.zone).map((e) => e.aws.deployRoleArn),
        // People, by hand: the runbook's manual deploys and npm run rotate:origin.
        operators,
      });
      // A protected environment's state holds its origin-verify secret: no pull request may read
      // it, so it has no plan role (pr-plan.yml plans it offline against the PR's base).
      if (!hasPlanRole(env)) continue;
      const planArn = planRoleArnOf(env.aws.deployRoleArn);
      roles[`plan-${env.name}`] = new GithubOidcRole(this, `plan-${env.name}`, {
        ...common,
        roleName: roleNameOf(planArn),
        subject: subjects.pullRequest,
        description: `Read-only plans of ${env.name} in pull requests (${subjects.pullRequest})`,
        policies: { plan: planPolicy(facts, planArn) },
        managedPolicyArns: [READ_ONLY_ACCESS.replace(/^arn:aws:/, `arn:${partition}:`)],
      });
    }
    if (base && previewArn) {
      const facts: AccountFacts = { partition, accountId, appName: base.appName, stateBucketArn: `arn:${partition}:s3:::${base.aws.stateBucket}`, bootstrapRoleArns, oidcProviderArn };
      const forbidden = props.allEnvs.filter((e) => !e.preview && e.safetyTier === "protected");
      roles.preview = new GithubOidcRole(this, "preview", {
        ...common,
        roleName: roleNameOf(previewArn),
        subject: subjects.pullRequest,
        description: `Deploys previews pr-<n> on ${base.name} from pull requests (${subjects.pullRequest})`,
        policies: { preview: previewPolicy(facts, { base, forbidden, roleArn: previewArn }) },
        // The sweeper and teardowns from main run as the base's deploy role, then assume this one.
        assumableBy: [base.aws.deployRoleArn],
        // Operators: by hand, preview:down of a stuck preview, and rotate:origin (pr-<n> providers assume this role directly).
        operators,
      });
    }
    this.roles = roles;

    new TerraformOutput(this, "state_buckets", { value: bucketNames, description: "State buckets of this account" });
    new TerraformOutput(this, "github_oidc_provider_arn", { value: this.oidcProvider.arn });
    new TerraformOutput(this, "role_arns", { value: Object.fromEntries(Object.entries(roles).map(([k, r]) => [k, r.roleArn])), description: "Roles GitHub Actions assumes (docs/ci.md)" });
  }

  /** Local state first, then the bucket it created (online); local in the offline folder (offline). */
  private useBackend(props: BootstrapStackProps): void {
    const name = this.node.id;
    if (props.deployment.mode === "offline") {
      new LocalBackend(this, { path: `${props.deployment.stateDir}/${name}.tfstate` });
      return;
    }
    if ((props.state ?? "local") === "local") {
      new LocalBackend(this, { path: path.resolve(LOCAL_BOOTSTRAP_STATE_DIR, `${name}.tfstate`) });
      return;
    }
    const env = props.envs[0]!;
    // Ambient (admin) credentials, no deploy role: the bootstrap must work when the roles are broken.
    const backend = new S3Backend(this, { bucket: env.aws.stateBucket, key: stateKey(name), region: env.aws.region, encrypt: true });
    backend.addOverride("use_lockfile", true);
  }
}
