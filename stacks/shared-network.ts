import { Construct } from "constructs";
import { DataTerraformRemoteStateLocal, DataTerraformRemoteStateS3, TerraformOutput, TerraformRemoteState } from "cdktf";
import type { EnvironmentConfig } from "../environments/types";
import type { NetworkAttributes } from "../constructs/network";
import type { Deployment } from "./deployment";

/**
 * The contract between staging and its previews: the outputs staging publishes and previews read
 * through `terraform_remote_state`. One table, so both sides cannot drift apart.
 */
export const SHARED_NETWORK_OUTPUTS = {
  vpcId: "vpc_id",
  vpcCidr: "vpc_cidr",
  publicSubnetIds: "public_subnet_ids",
  privateSubnetIds: "private_subnet_ids",
  isolatedSubnetIds: "isolated_subnet_ids",
} as const satisfies Record<keyof NetworkAttributes, string>;

/** Key of a stack's state object in the S3 state bucket. */
export const stateKey = (stackName: string): string => `${stackName}/terraform.tfstate`;

/** Publishes a network's ids as stack outputs under the shared names. */
export function exportNetwork(scope: Construct, network: NetworkAttributes): void {
  for (const [attr, output] of Object.entries(SHARED_NETWORK_OUTPUTS) as [keyof NetworkAttributes, string][]) {
    new TerraformOutput(scope, output, { value: network[attr], description: `Shared with previews: ${attr}` });
  }
}

/**
 * Reads the base environment's network from its state. Online: the base's S3 state object.
 * Offline: a local state file in `stateDir`, seeded by the offline tooling (see scripts/lib/offline.ts).
 */
export function importNetwork(scope: Construct, env: EnvironmentConfig, deployment: Deployment): NetworkAttributes {
  const base = env.preview?.base;
  if (!base) throw new Error(`${env.name} is not a preview; only previews import a network`);
  const state: TerraformRemoteState =
    deployment.mode === "offline"
      ? new DataTerraformRemoteStateLocal(scope, `${base}-state`, { path: `${deployment.stateDir}/${base}.tfstate` })
      : new DataTerraformRemoteStateS3(scope, `${base}-state`, {
          bucket: env.aws.stateBucket,
          key: stateKey(base),
          region: env.aws.region,
          assumeRole: { roleArn: env.aws.deployRoleArn },
        });
  return {
    vpcId: state.getString(SHARED_NETWORK_OUTPUTS.vpcId),
    vpcCidr: state.getString(SHARED_NETWORK_OUTPUTS.vpcCidr),
    publicSubnetIds: state.getList(SHARED_NETWORK_OUTPUTS.publicSubnetIds),
    privateSubnetIds: state.getList(SHARED_NETWORK_OUTPUTS.privateSubnetIds),
    isolatedSubnetIds: state.getList(SHARED_NETWORK_OUTPUTS.isolatedSubnetIds),
  };
}
