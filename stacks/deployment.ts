import type { Construct } from "constructs";
import { DataTerraformRemoteStateLocal, DataTerraformRemoteStateS3, LocalBackend, S3Backend, type TerraformRemoteState, type TerraformStack } from "cdktf";
import type { AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import type { EnvironmentConfig } from "../environments/types";
import { hasPlanRole, planRoleArnOf } from "../environments/bootstrap";

/**
 * How stacks reach AWS. `online` is the real thing: S3 state, assumed deploy roles.
 * `offline` is for plans without an AWS account: local state in `stateDir`, dummy credentials,
 * no network calls. Offline stacks can never deploy (scripts/deploy.ts refuses, and their
 * credentials are fake).
 */
export type Deployment =
  | {
      readonly mode: "online";
      /**
       * Which role of each environment to act as: `deploy` (`aws.deployRoleArn`, plans and applies)
       * or `plan`, its read-only twin `<deploy role>-plan` that pull-request plans of prod and
       * staging use (main.ts: `SHIPKIT_ROLE=plan`; stacks/bootstrap-stack.ts creates both).
       * Previews always use their deploy role (it trusts pull requests). @default "deploy"
       */
      readonly role?: "deploy" | "plan";
    }
  | {
      readonly mode: "offline";
      /** Absolute folder for local state files (and the seeded upstream states stacks read). */
      readonly stateDir: string;
    };

/** Key of a stack's state object in its S3 state bucket. */
export const stateKey = (stackName: string): string => `${stackName}/terraform.tfstate`;

/** Where a stack's state lives online. */
export interface StateLocation {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
}

/** A stack's own state location in `env`'s state bucket. */
export const ownStateLocation = (stackName: string, env: EnvironmentConfig): StateLocation => ({ bucket: env.aws.stateBucket, key: stateKey(stackName), region: env.aws.region });

/** Provider settings for offline plans: dummy credentials and the skip flags (docs/toolchain-notes.md, "Offline plans"). */
export const OFFLINE_AWS_SETTINGS = {
  accessKey: "offline-plan-only",
  secretKey: "offline-plan-only",
  skipCredentialsValidation: true,
  skipRequestingAccountId: true,
  skipMetadataApiCheck: "true",
} as const satisfies Partial<AwsProviderConfig>;

/**
 * The role `env`'s stacks assume online: its deploy role, or with `role: "plan"` its read-only plan
 * role where the bootstrap gives it one (`hasPlanRole`: staging). Prod has none (its state holds
 * prod's origin secret; no pull request may read it), so prod's stacks keep the deploy role, which a
 * pull request cannot assume: scripts/plan.ts refuses `SHIPKIT_ROLE=plan` for prod up front.
 */
export function roleArnOf(env: EnvironmentConfig, deployment: Deployment): string {
  return deployment.mode === "online" && deployment.role === "plan" && hasPlanRole(env) ? planRoleArnOf(env.aws.deployRoleArn) : env.aws.deployRoleArn;
}

/**
 * The AWS provider settings for `env`: online, its deploy role and account guard
 * (`allowed_account_ids`: a preview's credentials can never touch prod); offline, dummy
 * credentials. Tags are the caller's (default tags of the environment).
 */
export function awsProviderConfig(
  env: EnvironmentConfig,
  deployment: Deployment,
  opts: { readonly tags: Record<string, string>; readonly region?: string; readonly alias?: string; readonly sessionName?: string },
): AwsProviderConfig {
  const base = { region: opts.region ?? env.aws.region, defaultTags: [{ tags: opts.tags }], ...(opts.alias ? { alias: opts.alias } : {}) };
  return deployment.mode === "online"
    ? { ...base, allowedAccountIds: [env.aws.accountId], assumeRole: [{ roleArn: roleArnOf(env, deployment), sessionName: opts.sessionName ?? `cdktf-${env.name}` }] }
    : { ...base, ...OFFLINE_AWS_SETTINGS };
}

/**
 * A stack's backend: online, S3 at `location` (encrypted, Terraform's native lock file, `env`'s
 * deploy role); offline, `<stateDir>/<stack>.tfstate`.
 */
export function useStackBackend(stack: TerraformStack, name: string, env: EnvironmentConfig, deployment: Deployment, location: StateLocation = ownStateLocation(name, env)): void {
  if (deployment.mode === "offline") {
    new LocalBackend(stack, { path: `${deployment.stateDir}/${name}.tfstate` });
    return;
  }
  const backend = new S3Backend(stack, { ...location, encrypt: true, assumeRole: { roleArn: roleArnOf(env, deployment) } });
  // Terraform's native S3 locking (1.10+); cdktf 0.21's S3BackendConfig predates the field.
  backend.addOverride("use_lockfile", true);
}

/**
 * Another stack's state, read with `terraform_remote_state`: online from `location` with the
 * reader's own role (roleArnOf: its deploy role, or its plan role with `role: "plan"` where it has
 * one); offline from `<stateDir>/<stack>.tfstate` (seeded by scripts/lib/offline.ts).
 */
export function readStackState(scope: Construct, id: string, opts: { readonly stack: string; readonly location: StateLocation; readonly reader: EnvironmentConfig }, deployment: Deployment): TerraformRemoteState {
  return deployment.mode === "offline"
    ? new DataTerraformRemoteStateLocal(scope, id, { path: `${deployment.stateDir}/${opts.stack}.tfstate` })
    : new DataTerraformRemoteStateS3(scope, id, { ...opts.location, assumeRole: { roleArn: roleArnOf(opts.reader, deployment) } });
}
