import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { defineRule, type Finding } from "../rule";
import { rulesOf } from "./ecr-lifecycle-keeps-running-images";

/**
 * A lifecycle policy whose `tagStatus any` count rule sits below `tagged` rules: the tagged rules do
 * not shield the other images from the count. ECR evaluates every rule over every image; a lower
 * priority rule cannot expire an image a higher one selected, but still counts it ("can still
 * identify them as if they haven't been expired"). So with "tagged pr-* keep 50, then any keep 30",
 * 30 pull-request pushes fill the 30 and the newest main build (the image the service runs) is
 * expired. Give differently-tagged images their own repository (the kit's previews push to
 * `<repository>-previews`, stacks/owned-platform.ts) instead of sharing one with a prefix rule.
 * Literal policy JSON and aws_ecr_lifecycle_policy_document only (like ecr-lifecycle-keeps-running-images).
 *
 * Tested via: test/policy/ecr-lifecycle-any-rule-counts-every-image.test.ts
 */
export const ecrLifecycleAnyRuleCountsEveryImage = defineRule({
  id: "ecr-lifecycle-any-rule-counts-every-image",
  severity: "warning",
  kind: "runtime",
  summary: "An aws_ecr_lifecycle_policy does not combine a `tagStatus any` count rule with higher-priority `tagged` rules: the any rule still counts the images they select.",
  why: "The policy applies and looks like it keeps N images of each kind; but every image a tagged rule selects (pr- builds, say) also fills the any rule's count, so after N of them ECR expires the image a service runs, and its next task fails with CannotPullContainerError.",
  source: {
    title: "Amazon ECR User Guide: Automate the cleanup of images by using lifecycle policies, Lifecycle policy evaluation rules",
    url: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html",
    quote: "Rules can never mark images that are marked by higher priority rules, but can still identify them as if they haven't been expired.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const policy of ctx.all(EcrLifecyclePolicy)) {
      const rules = rulesOf(ctx, policy) ?? [];
      for (const any of rules.filter((r) => r.tagStatus === "any" && r.action === "expire" && r.countType === "imageCountMoreThan")) {
        const above = rules.filter((r) => r.tagStatus === "tagged" && typeof r.priority === "number" && typeof any.priority === "number" && r.priority < any.priority);
        if (above.length === 0) continue;
        const which = above.map((r) => `rule ${String(r.priority)} (tagged ${JSON.stringify(r.tags ?? [])})`).join(", ");
        findings.push({
          resource: policy,
          message: `rule ${String(any.priority)} (tagStatus any, keep ${String(any.countNumber)}) still counts the images ${which} select${above.length === 1 ? "s" : ""}: ${String(any.countNumber)} of those pushes expire every other image, including the one a service runs; push those images to a repository of their own (ContainerRepository) with its own keep count`,
        });
      }
    }
    return findings;
  },
});
