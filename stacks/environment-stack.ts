import { Construct } from "constructs";
import { Aspects, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { EnvironmentConfig } from "../environments/types";
import { AlarmTopic } from "../constructs/alarm-topic";
import { Guardrails } from "../constructs/guardrails";
import { Names } from "../constructs/naming";
import { Network, type NetworkAttributes } from "../constructs/network";
import type { Deployment } from "./deployment";
import { publishShared, readShared, stateKey, type SharedAttributes } from "./shared-state";

/** Tag value every resource carries in `managed-by`. */
export const MANAGED_BY = "shipkit-cdktf";

export interface EnvironmentStackProps {
  /** The validated environment this stack builds. */
  readonly env: EnvironmentConfig;
  /** Online (S3 state, assumed role) or offline (local state, dummy credentials). */
  readonly deployment: Deployment;
}

/** Default tags for an environment: app, environment, managed-by, and pr for previews. */
export function defaultTags(env: EnvironmentConfig): Record<string, string> {
  return {
    app: env.appName,
    environment: env.name,
    "managed-by": MANAGED_BY,
    ...(env.preview ? { pr: String(env.preview.prNumber) } : {}),
  };
}

/**
 * One stack class for every AWS environment. prod and staging own their network; a preview
 * (`pr-<n>`) builds on staging's, read from staging's state.
 *
 * Tested via: test/stacks/environment-stack.test.ts and test/stacks/plan.test.ts (real plans)
 */
export class EnvironmentStack extends TerraformStack {
  readonly env: EnvironmentConfig;
  readonly names: Names;
  /** The network the environment's workloads run in (own, or the base environment's). */
  readonly network: NetworkAttributes;
  /** SNS topic every alarm of this environment publishes to (previews: staging's). */
  readonly alarmTopicArn: string;
  /** Security group for this environment's app tasks (egress only; services add their ingress). */
  readonly appSecurityGroup: SecurityGroup;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const { env, deployment } = props;
    super(scope, env.name);
    this.env = env;
    this.names = new Names(env.appName, env.name);

    const tags = defaultTags(env);
    if (deployment.mode === "online") {
      new AwsProvider(this, "aws", {
        region: env.aws.region,
        allowedAccountIds: [env.aws.accountId],
        assumeRole: [{ roleArn: env.aws.deployRoleArn, sessionName: `cdktf-${env.name}` }],
        defaultTags: [{ tags }],
      });
      const backend = new S3Backend(this, {
        bucket: env.aws.stateBucket,
        key: stateKey(env.name),
        region: env.aws.region,
        encrypt: true,
        assumeRole: { roleArn: env.aws.deployRoleArn },
      });
      // Terraform's native S3 locking (1.10+); cdktf 0.21's S3BackendConfig predates the field.
      backend.addOverride("use_lockfile", true);
    } else {
      new AwsProvider(this, "aws", {
        region: env.aws.region,
        accessKey: "offline-plan-only",
        secretKey: "offline-plan-only",
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: "true",
        defaultTags: [{ tags }],
      });
      new LocalBackend(this, { path: `${deployment.stateDir}/${env.name}.tfstate` });
    }
    Aspects.of(this).add(new Guardrails({ tier: env.safetyTier }));

    let shared: SharedAttributes | undefined;
    if (env.preview) {
      shared = readShared(this, env, deployment);
      this.network = shared;
      this.alarmTopicArn = shared.alarmTopicArn;
    } else {
      this.network = new Network(this, "network", { env, names: this.names });
      this.alarmTopicArn = new AlarmTopic(this, "alarms", { names: this.names }).arn;
    }

    this.appSecurityGroup = new SecurityGroup(this, "app-sg", {
      name: this.names.of("app"),
      description: `App tasks of ${env.name}`,
      vpcId: this.network.vpcId,
      tags: { Name: this.names.of("app") },
    });
    new VpcSecurityGroupEgressRule(this, "app-egress", {
      securityGroupId: this.appSecurityGroup.id,
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "-1",
      description: "Outbound via NAT / S3 endpoint",
    });
    new TerraformOutput(this, "app_security_group_id", { value: this.appSecurityGroup.id });

    if (!env.preview) {
      const n = this.network;
      publishShared(this, {
        vpcId: n.vpcId, vpcCidr: n.vpcCidr, publicSubnetIds: n.publicSubnetIds, privateSubnetIds: n.privateSubnetIds, isolatedSubnetIds: n.isolatedSubnetIds,
        alarmTopicArn: this.alarmTopicArn,
      });
    }
  }
}
