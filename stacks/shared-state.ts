import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { EnvironmentConfig } from "../environments/types";
import { jobRepository, previewRepository } from "../environments/schema";
import type { ImageSource } from "../lib/compute/container-repository";
import { ownStateLocation, readStackState, type Deployment } from "./deployment";

/**
 * The contract between a base environment (staging) and its previews: what staging publishes as
 * stack outputs and previews read through `terraform_remote_state`. One table, so the two sides
 * cannot drift apart. `offline` is the stand-in value seeded for offline preview plans.
 * To share something new: add a row here, publish it in the base stack, read it in the preview.
 */
export const SHARED_OUTPUTS = {
  vpcId: { output: "vpc_id", kind: "string", offline: "vpc-0offline0staging0" },
  vpcCidr: { output: "vpc_cidr", kind: "string", offline: "10.20.0.0/16" },
  publicSubnetIds: { output: "public_subnet_ids", kind: "list", offline: ["subnet-0offline0pub0a", "subnet-0offline0pub0b"] },
  privateSubnetIds: { output: "private_subnet_ids", kind: "list", offline: ["subnet-0offline0prv0a", "subnet-0offline0prv0b"] },
  isolatedSubnetIds: { output: "isolated_subnet_ids", kind: "list", offline: ["subnet-0offline0iso0a", "subnet-0offline0iso0b"] },
  alarmTopicArn: { output: "alarm_topic_arn", kind: "string", offline: "arn:aws:sns:us-east-1:222222222222:shipkit-staging-alarms" },
  httpsListenerArn: { output: "https_listener_arn", kind: "string", offline: "arn:aws:elasticloadbalancing:us-east-1:222222222222:listener/app/shipkit-staging/0123456789abcdef/0123456789abcdef" },
  albSecurityGroupId: { output: "alb_security_group_id", kind: "string", offline: "sg-0offline0alb00000" },
  albArnSuffix: { output: "alb_arn_suffix", kind: "string", offline: "app/shipkit-staging/0123456789abcdef" },
  albDnsName: { output: "alb_dns_name", kind: "string", offline: "shipkit-staging-123456789.us-east-1.elb.amazonaws.com" },
  clusterName: { output: "ecs_cluster_name", kind: "string", offline: "shipkit-staging-cluster" },
  clusterArn: { output: "ecs_cluster_arn", kind: "string", offline: "arn:aws:ecs:us-east-1:222222222222:cluster/shipkit-staging-cluster" },
  dbHost: { output: "db_host", kind: "string", offline: "shipkit-staging-db.c0offline0000.us-east-1.rds.amazonaws.com" },
  dbPort: { output: "db_port", kind: "string", offline: "5432" },
  dbSecretArn: { output: "db_secret_arn", kind: "string", offline: "arn:aws:secretsmanager:us-east-1:222222222222:secret:shipkit-staging-db-master-AbCdEf" },
  dbConnectArnPrefix: { output: "db_connect_arn_prefix", kind: "string", offline: "arn:aws:rds-db:us-east-1:222222222222:dbuser:db-OFFLINE0STAGING000000000000" },
  dbSecurityGroupId: { output: "db_security_group_id", kind: "string", offline: "sg-0offline0db000000" },
} as const satisfies Record<string, SharedOutput>;

export interface SharedOutput {
  /** Terraform output name in the base stack. */
  readonly output: string;
  readonly kind: "string" | "list";
  /** Value seeded into the offline stand-in state. */
  readonly offline: string | readonly string[];
}

export type SharedKey = keyof typeof SHARED_OUTPUTS;

/** Typed values of the shared outputs (tokens in the consuming stack). */
export type SharedAttributes = {
  readonly [K in SharedKey]: (typeof SHARED_OUTPUTS)[K]["kind"] extends "list" ? string[] : string;
};

export { stateKey } from "./deployment";


/**
 * Image repositories are shared per declared repository, as `<name>_repository_url` and
 * `<name>_repository_arn` (`web_repository_url`, ...): adding a service with a new repository adds
 * two outputs, and previews read exactly the repositories their services name.
 */
export const repositoryOutputs = (repository: string): { readonly url: string; readonly arn: string } => ({
  url: `${repository.replace(/-/g, "_")}_repository_url`,
  arn: `${repository.replace(/-/g, "_")}_repository_arn`,
});

/** Offline stand-in values of one repository's outputs (staging's account and region). */
export const offlineRepository = (repository: string): ImageSource => ({
  repositoryUrl: `222222222222.dkr.ecr.us-east-1.amazonaws.com/shipkit-staging-${repository}`,
  repositoryArn: `arn:aws:ecr:us-east-1:222222222222:repository/shipkit-staging-${repository}`,
});

/**
 * The preview repository of `repository` (`web` → `web-previews`, physical
 * `shipkit-staging-web-previews`) is published like any repository: `web_previews_repository_url`
 * and `web_previews_repository_arn`. Preview builds push `pr-<n>-<sha>` there (preview:up reads
 * the URL from staging's outputs) and previews pull from there; staging's own repositories only
 * ever hold main builds. Declared repository names cannot end in `-previews` (validate.ts).
 */
export const previewRepositoryOutputs = (repository: string): { readonly url: string; readonly arn: string } => repositoryOutputs(previewRepository(repository));

/**
 * Publishes every shared attribute, and each repository and preview repository, as stack outputs
 * of the base environment.
 */
export function publishShared(scope: Construct, attrs: SharedAttributes, repositories: Readonly<Record<string, ImageSource>>, previewRepositories: Readonly<Record<string, ImageSource>> = {}): void {
  for (const key of Object.keys(SHARED_OUTPUTS) as SharedKey[]) {
    new TerraformOutput(scope, SHARED_OUTPUTS[key].output, { value: attrs[key], description: `Shared with previews (${key})` });
  }
  for (const [name, repo] of Object.entries(repositories)) {
    const out = repositoryOutputs(name);
    new TerraformOutput(scope, out.url, { value: repo.repositoryUrl, description: `Shared with previews (repository ${name})` });
    new TerraformOutput(scope, out.arn, { value: repo.repositoryArn, description: `Shared with previews (repository ${name})` });
  }
  for (const [name, repo] of Object.entries(previewRepositories)) {
    const out = previewRepositoryOutputs(name);
    new TerraformOutput(scope, out.url, { value: repo.repositoryUrl, description: `Preview builds of ${name} push pr-<n>-<sha> here; previews pull from here` });
    new TerraformOutput(scope, out.arn, { value: repo.repositoryArn, description: `Preview repository of ${name} (previews' execution roles pull from it)` });
  }
}

/**
 * Reads every shared attribute from the base environment's state, and the preview repository of
 * each of `repositories` (never the base's own: a preview runs only preview builds). Online: the
 * base's S3 state object. Offline: `<stateDir>/<base>.tfstate`, seeded by scripts/lib/offline.ts.
 */
export function readShared(scope: Construct, env: EnvironmentConfig, deployment: Deployment, repositories: readonly string[]): SharedAttributes & { readonly repositories: Readonly<Record<string, ImageSource>> } {
  const base = env.preview?.base;
  if (!base) throw new Error(`${env.name} is not a preview; only previews read a base environment's state`);
  const state = readStackState(scope, `${base}-state`, { stack: base, location: ownStateLocation(base, env), reader: env }, deployment);
  const entries = (Object.keys(SHARED_OUTPUTS) as SharedKey[]).map((key) => {
    const row: SharedOutput = SHARED_OUTPUTS[key];
    return [key, row.kind === "list" ? state.getList(row.output) : state.getString(row.output)] as const;
  });
  const repos = Object.fromEntries(repositories.map((name) => [name, { repositoryUrl: state.getString(previewRepositoryOutputs(name).url), repositoryArn: state.getString(previewRepositoryOutputs(name).arn) }]));
  // A service with a new repository reaches a preview (its PR) before the base has created its
  // preview repository (on merge), and so does every preview until the base is deployed with
  // preview repositories: say so by name instead of Terraform's "Unsupported attribute".
  const wanted = repositories.map((name) => previewRepositoryOutputs(name).url);
  state.addOverride("lifecycle", {
    postcondition: [
      {
        condition: `\${length(setsubtract(${JSON.stringify(wanted)}, keys(self.outputs))) == 0}`,
        // Terraform evaluates the message too: it names the outputs that are missing.
        error_message: `${base} has not published the preview image repository outputs \${join(", ", setsubtract(${JSON.stringify(wanted)}, keys(self.outputs)))} that this preview's services use: preview repositories are created by ${base}'s stack, so deploy ${base} first (merge the change), then the preview.`,
      },
    ],
  });
  return { ...(Object.fromEntries(entries) as unknown as SharedAttributes), repositories: repos };
}

/** Stand-in outputs for the offline seed state, keyed by output name (plus each repository's and its preview repository's). */
export function offlineSharedOutputs(repositories: readonly string[] = []): Record<string, string | readonly string[]> {
  const rows = Object.values(SHARED_OUTPUTS).map((row: SharedOutput) => [row.output, row.offline] as const);
  const repos = [...repositories, ...repositories.map(previewRepository)].flatMap((name) => {
    const out = repositoryOutputs(name);
    const value = offlineRepository(name);
    return [[out.url, value.repositoryUrl] as const, [out.arn, value.repositoryArn] as const];
  });
  return Object.fromEntries([...rows, ...repos]);
}

/** The repositories an environment's services and cron jobs use, in declaration order. */
export function repositoriesOf(env: EnvironmentConfig): string[] {
  return [...new Set([...Object.values(env.services).map((s) => s.repository), ...env.cron.jobs.map(jobRepository)])];
}
