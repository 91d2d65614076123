import type { Construct } from "constructs";
import { Aspects, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { lifecycleOf } from "../lib/core/lifecycle";
import { Names } from "../lib/core/naming";
import { applyTransforms } from "../lib/core/transform";
import { Guardrails } from "../lib/policy/guardrails";
import { UploadBucket } from "../lib/storage/upload-bucket";
import type { EnvironmentConfig } from "../environments/types";
import { BorrowedPlatform } from "./borrowed-platform";
import { awsProviderConfig, useStackBackend, type Deployment } from "./deployment";
import { OwnedPlatform } from "./owned-platform";
import type { Platform } from "./platform";
import { declareStackInputs } from "./stack-inputs";
import { Workloads } from "./workloads";
import { applySuppressions } from "../lib/policy/suppressions";
import { addObservability } from "./observability";

export { IMAGE_TAG_VARIABLE, MIGRATION_IMAGE_TAG_VARIABLE } from "./stack-inputs";

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

/** Terraform versions the AWS stacks accept: write-only attributes arrived in 1.11. */
export const MIN_TERRAFORM_VERSION = ">= 1.11";

/**
 * One stack class for every AWS environment: a platform (owned by prod and staging, borrowed from
 * staging's state by a preview) plus the environment's upload bucket and its workloads (services,
 * migration task, cron jobs), all from the environment's data. Then the environment's escape-hatch
 * transforms, and the guardrails at synth.
 *
 * Tested via: test/stacks/environment-stack.test.ts, test/stacks/workloads.test.ts and test/stacks/plan.test.ts (real plans)
 */
export class EnvironmentStack extends TerraformStack {
  readonly env: EnvironmentConfig;
  readonly names: Names;
  /** What the workloads run on. */
  readonly platform: Platform;
  /** Private upload bucket with its event queue (previews get their own small, force-destroy one). */
  readonly uploads: UploadBucket;
  /** Services, migration task and cron jobs. */
  readonly workloads: Workloads;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const { env, deployment } = props;
    super(scope, env.name);
    this.env = env;
    this.names = new Names(env.appName, env.name);
    const tags = defaultTags(env);
    new AwsProvider(this, "aws", awsProviderConfig(env, deployment, { tags }));
    useStackBackend(this, env.name, env, deployment);
    // Write-only attributes (the database master password) need Terraform 1.11; older versions fail
    // with an unclear schema error, so say it up front.
    this.addOverride("terraform.required_version", MIN_TERRAFORM_VERSION);
    Aspects.of(this).add(new Guardrails({ tier: env.safetyTier }));
    // A preview runs only its own PR's builds (pr-<n>-<sha>); prod and staging never a pr- tag.
    const inputs = declareStackInputs(this, env.preview ? { kind: "preview", prNumber: env.preview.prNumber } : { kind: "release" });

    this.platform = env.preview
      ? new BorrowedPlatform(this, { env: { ...env, preview: env.preview }, names: this.names, deployment, originVerifyValues: inputs.originVerifyValues })
      : new OwnedPlatform(this, {
          env,
          names: this.names,
          deployment,
          originVerifyValues: inputs.originVerifyValues,
          providerIn: (region) => new AwsProvider(this, `aws-${region}`, awsProviderConfig(env, deployment, { tags, region, alias: region })),
        });

    this.uploads = new UploadBucket(this, "uploads", {
      names: this.names,
      lifecycle: lifecycleOf(env.safetyTier),
      accountId: env.aws.accountId,
      region: env.aws.region,
      allowedOrigins: [env.hostnames.app, ...env.hostnames.redirects].map((h) => `https://${h}`),
      alarms: this.platform.alarms,
    });
    new TerraformOutput(this, "upload_bucket_name", { value: this.uploads.bucketName });

    this.workloads = new Workloads(this, { env, names: this.names, platform: this.platform, uploads: this.uploads, imageTag: inputs.imageTag, migrationImageTag: inputs.migrationImageTag });
    new TerraformOutput(this, "migration_task_family", { value: this.workloads.migrationTask.family, description: "Run before services move to a new image: aws ecs run-task --task-definition <family>" });
    new TerraformOutput(this, "modeled_rollout_seconds", { value: this.workloads.modeledRolloutSeconds, description: "Health checks to healthy + connection draining" });

    const observability = addObservability(this, { env, names: this.names, platform: this.platform, workloads: this.workloads, uploads: this.uploads });
    if (observability) new TerraformOutput(this, "dashboard_name", { value: observability.dashboardName, description: "CloudWatch dashboard of the environment (docs/observability.md)" });

    applyTransforms(this, env.transforms ?? []);
    applySuppressions(this, env.guardrailSuppressions ?? []);
  }
}
