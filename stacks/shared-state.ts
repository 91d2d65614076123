import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { EnvironmentConfig } from "../environments/types";
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
  webRepositoryUrl: { output: "web_repository_url", kind: "string", offline: "222222222222.dkr.ecr.us-east-1.amazonaws.com/shipkit-staging-web" },
  webRepositoryArn: { output: "web_repository_arn", kind: "string", offline: "arn:aws:ecr:us-east-1:222222222222:repository/shipkit-staging-web" },
  backendRepositoryUrl: { output: "backend_repository_url", kind: "string", offline: "222222222222.dkr.ecr.us-east-1.amazonaws.com/shipkit-staging-backend" },
  backendRepositoryArn: { output: "backend_repository_arn", kind: "string", offline: "arn:aws:ecr:us-east-1:222222222222:repository/shipkit-staging-backend" },
  dbHost: { output: "db_host", kind: "string", offline: "shipkit-staging-db.c0offline0000.us-east-1.rds.amazonaws.com" },
  dbPort: { output: "db_port", kind: "string", offline: "5432" },
  dbSecretArn: { output: "db_secret_arn", kind: "string", offline: "arn:aws:secretsmanager:us-east-1:222222222222:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf" },
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


/** Publishes every shared attribute as a stack output of the base environment. */
export function publishShared(scope: Construct, attrs: SharedAttributes): void {
  for (const key of Object.keys(SHARED_OUTPUTS) as SharedKey[]) {
    new TerraformOutput(scope, SHARED_OUTPUTS[key].output, { value: attrs[key], description: `Shared with previews (${key})` });
  }
}

/**
 * Reads every shared attribute from the base environment's state. Online: the base's S3 state
 * object. Offline: `<stateDir>/<base>.tfstate`, seeded by scripts/lib/offline.ts.
 */
export function readShared(scope: Construct, env: EnvironmentConfig, deployment: Deployment): SharedAttributes {
  const base = env.preview?.base;
  if (!base) throw new Error(`${env.name} is not a preview; only previews read a base environment's state`);
  const state = readStackState(scope, `${base}-state`, { stack: base, location: ownStateLocation(base, env), roleArn: env.aws.deployRoleArn }, deployment);
  const entries = (Object.keys(SHARED_OUTPUTS) as SharedKey[]).map((key) => {
    const row: SharedOutput = SHARED_OUTPUTS[key];
    return [key, row.kind === "list" ? state.getList(row.output) : state.getString(row.output)] as const;
  });
  return Object.fromEntries(entries) as unknown as SharedAttributes;
}

/** Stand-in outputs for the offline seed state, keyed by output name. */
export function offlineSharedOutputs(): Record<string, string | readonly string[]> {
  return Object.fromEntries(Object.values(SHARED_OUTPUTS).map((row: SharedOutput) => [row.output, row.offline]));
}
