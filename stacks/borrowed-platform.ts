import { TerraformOutput, type TerraformStack } from "cdktf";
import type { ImageSource } from "../lib/compute/container-repository";
import type { LoadBalancerAttachment } from "../lib/compute/load-balancer";
import { lifecycleOf } from "../lib/core/lifecycle";
import type { Names } from "../lib/core/naming";
import type { DbEndpoints } from "../lib/data/database-connection";
import { PreviewDatabaseTasks, previewDbEndpoints } from "../lib/data/preview-database-tasks";
import { ORIGIN_VERIFY_HEADER } from "../lib/edge/origin-verify";
import type { NetworkAttributes } from "../lib/network/network";
import type { EnvironmentConfig } from "../environments/types";
import { createAppSecurityGroup } from "./app-security-group";
import type { Deployment } from "./deployment";
import type { Platform } from "./platform";
import { SHARED_OUTPUTS, readShared, repositoriesOf } from "./shared-state";

export interface BorrowedPlatformProps {
  /** The preview environment (`pr-<n>`, `preview` set). */
  readonly env: EnvironmentConfig & { readonly preview: NonNullable<EnvironmentConfig["preview"]> };
  /** Naming helper of the stack. */
  readonly names: Names;
  /** Online or offline (where the base's state is read from). */
  readonly deployment: Deployment;
  /** Origin-verify values the preview's listener rules require (the same secret as the base's). */
  readonly originVerifyValues: string[];
}

/**
 * The platform of a preview: everything its base environment (staging) owns, read from the base's
 * state, plus what is the preview's own: an app security group in the base's VPC and a logical
 * database `pr_<n>` on the base's instance (db-init / db-drop tasks). Its HTTP services answer on the
 * preview's hostname, in the preview's block of listener priorities; alarms are off. Its images come
 * from the base's preview repositories (`<repository>-previews`, tagged `pr-<n>-<sha>`), never from
 * the repositories the base runs from; its task execution roles may pull from those only.
 * Not a Construct, for the same reason as OwnedPlatform (stable Terraform addresses).
 *
 * Tested via: test/stacks/environment-stack.test.ts, test/stacks/plan.test.ts
 */
export class BorrowedPlatform implements Platform {
  readonly network: NetworkAttributes;
  readonly appSecurityGroupId: string;
  readonly alarmTopicArn: string;
  readonly alarms = "off" as const;
  readonly cluster: { readonly clusterName: string; readonly clusterArn: string };
  readonly loadBalancer: LoadBalancerAttachment;
  readonly routePlacement: { readonly kind: "preview"; readonly prNumber: number };
  readonly hostOverride: string;
  readonly repositories: Readonly<Record<string, ImageSource>>;
  readonly database: DbEndpoints;

  constructor(stack: TerraformStack, props: BorrowedPlatformProps) {
    const { env, names } = props;
    const shared = readShared(stack, env, props.deployment, repositoriesOf(env));
    this.network = shared;
    this.appSecurityGroupId = createAppSecurityGroup(stack, names, shared.vpcId).id;
    this.database = previewDbEndpoints(shared, env.preview.prNumber, env.aws.region);
    new PreviewDatabaseTasks(stack, "database-tasks", {
      names,
      lifecycle: lifecycleOf(env.safetyTier),
      prNumber: env.preview.prNumber,
      region: env.aws.region,
      engineVersion: env.database.engineVersion,
      database: this.database.primary,
      masterSecretArn: shared.dbSecretArn,
      appSecurityGroupId: this.appSecurityGroupId,
    });
    this.alarmTopicArn = shared.alarmTopicArn;
    this.cluster = { clusterName: shared.clusterName, clusterArn: shared.clusterArn };
    // What `aws ecs run-task` needs (migration, db-init / db-drop), under the names the base publishes.
    new TerraformOutput(stack, SHARED_OUTPUTS.clusterName.output, { value: shared.clusterName, description: "Cluster the preview runs in (staging's)" });
    new TerraformOutput(stack, SHARED_OUTPUTS.privateSubnetIds.output, { value: shared.privateSubnetIds, description: "Subnets for one-off tasks (staging's)" });
    this.loadBalancer = {
      httpsListenerArn: shared.httpsListenerArn,
      securityGroupId: shared.albSecurityGroupId,
      arnSuffix: shared.albArnSuffix,
      vpcId: shared.vpcId,
      originVerifyHeader: ORIGIN_VERIFY_HEADER,
      originVerifyValues: props.originVerifyValues,
    };
    this.routePlacement = { kind: "preview", prNumber: env.preview.prNumber };
    this.hostOverride = env.hostnames.app;
    this.repositories = shared.repositories;
  }
}
