import { Construct } from "constructs";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { TIER_POLICY } from "../core/lifecycle";
import type { EnvironmentConfig } from "../../environments/types";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";

export interface ContainerRepositoryProps {
  /** Environment: `app.ecrKeepImages` (default image count) and the safety tier (force-delete outside protected). */
  readonly env: EnvironmentConfig;
  /** Naming helper of the stack. */
  readonly names: Names;
  /** Repository name part, e.g. `web` → `shipkit-prod-web`. */
  readonly name: string;
  /** Images to keep; older ones expire. @default env.app.ecrKeepImages */
  readonly keepImages?: number;
}

/** Typed view of a repository for task definitions. */
export interface ImageSource {
  /** Repository URL without a tag (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`); the task appends `:<tag>`. */
  readonly repositoryUrl: string;
  /** Repository ARN, for the execution role's pull permissions. */
  readonly repositoryArn: string;
}

/**
 * ECR repository with immutable tags (a git SHA always means the same image), scan on push, and a
 * lifecycle policy that keeps the last N images (enough to roll back).
 * Tested via: test/constructs/fargate-service.test.ts
 */
export class ContainerRepository extends Construct implements ImageSource {
  readonly repositoryUrl: string;
  readonly repositoryArn: string;

  constructor(scope: Construct, id: string, props: ContainerRepositoryProps) {
    super(scope, id);
    const keep = props.keepImages ?? props.env.app.ecrKeepImages;
    if (!Number.isInteger(keep) || keep < 1) throw new ConfigError(this, "keepImages", `${keep} must be a whole number of at least 1`);
    const repo = new EcrRepository(this, "repo", {
      name: props.names.of(props.name),
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      forceDelete: !TIER_POLICY[props.env.safetyTier].protectState,
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: repo.name,
      policy: JSON.stringify({
        rules: [{ rulePriority: 1, description: `keep the last ${keep} images`, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep }, action: { type: "expire" } }],
      }),
    });
    this.repositoryUrl = repo.repositoryUrl;
    this.repositoryArn = repo.arn;
  }
}
