import { DataAwsEcrLifecyclePolicyDocument } from "@cdktf/provider-aws/lib/data-aws-ecr-lifecycle-policy-document";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { asRecord, asArray, defineRule, type Finding, type RuleContext } from "../rule";

/** Fewest tagged images a count rule may keep: the running release, the one before it and room for rollbacks. */
export const ECR_MIN_KEPT_IMAGES = 10;

/** Count types that expire an image by its age (push, last pull, archive transition), whether or not a service still runs it. */
const AGE_COUNT_TYPES: readonly string[] = ["sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"];


/** One lifecycle rule, whichever way it was written. */
export interface LifecycleRule {
  /** `rulePriority` (lower is evaluated first). */
  readonly priority: unknown;
  /** `tagged`, `untagged` or `any`. */
  readonly tagStatus: unknown;
  /** `tagPrefixList` / `tagPatternList` of a tagged rule (whichever is set). */
  readonly tags: unknown;
  /** `imageCountMoreThan`, or an age count type. */
  readonly countType: unknown;
  /** Images kept, or the age. */
  readonly countNumber: unknown;
  /** Unit of an age (`days`). */
  readonly countUnit: unknown;
  /** The action type (`expire`, `transition`). */
  readonly action: unknown;
}

/**
 * The rules of a policy: parsed from a literal JSON document, or read from an
 * aws_ecr_lifecycle_policy_document data source of the stack the policy refers to; `undefined`
 * when neither (a `jsonencode(...)` text or another reference: not read).
 */
export function rulesOf(ctx: RuleContext, policy: EcrLifecyclePolicy): LifecycleRule[] | undefined {
  // refersTo takes resources; a data source's address is `data.<type>.<id>`.
  const policyText = ctx.resolve(policy.policyInput);
  const document = ctx.all(DataAwsEcrLifecyclePolicyDocument).find((d) => policyText === `\${data.${d.terraformResourceType}.${d.friendlyUniqueId}.json}`);
  if (document)
    return asArray(ctx.resolve(document.ruleInput)).map((r) => {
      const rule = asRecord(r);
      const selection = asRecord(asArray(rule.selection)[0] ?? rule.selection);
      return { priority: rule.priority, tagStatus: selection.tagStatus, tags: selection.tagPrefixList ?? selection.tagPatternList, countType: selection.countType, countNumber: selection.countNumber, countUnit: selection.countUnit, action: asRecord(asArray(rule.action)[0] ?? rule.action).type };
    });
  if (typeof policyText !== "string" || policyText.trimStart().startsWith("${")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(policyText);
  } catch {
    return undefined; // Not JSON (ECR refuses it at apply anyway); nothing this rule can read.
  }
  return asArray(asRecord(parsed).rules).map((r) => {
    const rule = asRecord(r);
    const selection = asRecord(rule.selection);
    return { priority: rule.rulePriority, tagStatus: selection.tagStatus, tags: selection.tagPrefixList ?? selection.tagPatternList, countType: selection.countType, countNumber: selection.countNumber, countUnit: selection.countUnit, action: asRecord(rule.action).type };
  });
}

/**
 * A lifecycle policy never expires tagged images by age, and a count rule on tagged images keeps at
 * least ECR_MIN_KEPT_IMAGES: a task definition names its image by tag, and ECS starts every later
 * task of a service (scale-out, replacement of a failed task, AZ rebalancing) from the digest it
 * resolved at deployment; a service left alone longer than the age limit, or past N newer pushes,
 * has its image expired under it. Rules on `untagged` images only (build leftovers) are fine.
 * Literal policy JSON and aws_ecr_lifecycle_policy_document only; a `jsonencode(...)` policy is not
 * read (whether a countType belongs to a tagged rule is not decidable by text).
 */
export const ecrLifecycleKeepsRunningImages = defineRule({
  id: "ecr-lifecycle-keeps-running-images",
  severity: "warning",
  kind: "runtime",
  summary: `An aws_ecr_lifecycle_policy expires tagged images (tagStatus tagged or any) only by count, keeping at least ${ECR_MIN_KEPT_IMAGES}; age-based expiry is for untagged images.`,
  why: "The policy applies and plan passes; weeks later ECR expires the image a quiet service still runs, and the next task it starts (scale-out, a replaced task) fails with CannotPullContainerError while a rollback to the previous image is impossible.",
  source: {
    title: "Amazon ECS API Reference: ContainerImage (container image resolution)",
    url: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerImage.html",
    quote: "After the container image digest has been established, Amazon ECS uses the digest to start any other desired tasks, and for any future service and service revision updates.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const policy of ctx.all(EcrLifecyclePolicy)) {
      for (const rule of rulesOf(ctx, policy) ?? []) {
        if (rule.action !== "expire" || (rule.tagStatus !== "tagged" && rule.tagStatus !== "any")) continue;
        const which = `rule ${String(rule.priority)} (tagStatus ${String(rule.tagStatus)})`;
        if (typeof rule.countType === "string" && AGE_COUNT_TYPES.includes(rule.countType))
          findings.push({
            resource: policy,
            message: `${which} expires images ${rule.countType} ${String(rule.countNumber)} ${String(rule.countUnit ?? "days")}, including the image a service still runs; expire tagged images by count (countType imageCountMoreThan, at least ${ECR_MIN_KEPT_IMAGES}) and keep age limits for tagStatus untagged`,
          });
        else if (rule.countType === "imageCountMoreThan" && typeof rule.countNumber === "number" && rule.countNumber < ECR_MIN_KEPT_IMAGES)
          findings.push({
            resource: policy,
            message: `${which} keeps only ${rule.countNumber} images: a few pushes (previews, re-runs) can expire the image a service still runs and the one a rollback needs; keep at least ${ECR_MIN_KEPT_IMAGES} (ContainerRepository keepImages)`,
          });
      }
    }
    return findings;
  },
});
