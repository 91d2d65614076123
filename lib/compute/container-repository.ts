import { Construct } from "constructs";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import type { Lifecycle } from "../core/lifecycle";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";

export interface ContainerRepositoryProps {
  /** Naming helper of the stack. */
  readonly names: Names;
  /**
   * Lifecycle of the environment: unless `protectState`, the repository is force-deleted with its
   * images on `destroy`.
   */
  readonly lifecycle: Lifecycle;
  /** Repository name part, e.g. `web` → `shipkit-prod-web`. Changing it replaces the repository (and loses its images). */
  readonly name: string;
  /** Images to keep (a whole number, at least 1); older ones expire. Keep enough to roll back. @default 30 */
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
 * @example new ContainerRepository(this, "web-repository", { names, lifecycle: lifecycleOf("standard"), name: "web", keepImages: 30 });
 * Tested via: test/constructs/fargate-service.test.ts
 */
export class ContainerRepository extends Construct implements ImageSource {
  readonly repositoryUrl: string;
  readonly repositoryArn: string;

  constructor(scope: Construct, id: string, props: ContainerRepositoryProps) {
    super(scope, id);
    const keep = props.keepImages ?? 30;
    if (!Number.isInteger(keep) || keep < 1) throw new ConfigError(this, "keepImages", `${keep} must be a whole number of at least 1`);
    const repo = new EcrRepository(this, "repo", {
      name: props.names.of(props.name),
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      forceDelete: !props.lifecycle.protectState,
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
