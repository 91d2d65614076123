import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsEcrLifecyclePolicyDocument } from "@cdktf/provider-aws/lib/data-aws-ecr-lifecycle-policy-document";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { ruleContext } from "../../lib/policy/rule";
import { ecrLifecycleKeepsRunningImages as rule } from "../../lib/policy/rules/ecr-lifecycle-keeps-running-images";

function check(policy: string | ((stack: TerraformStack) => string)) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new EcrLifecyclePolicy(stack, "lifecycle", { repository: "web", policy: typeof policy === "function" ? policy(stack) : policy });
  return rule.check(ruleContext(stack, "standard")).map((f) => f.message);
}
const policy = (...selections: Record<string, unknown>[]) =>
  JSON.stringify({ rules: selections.map((selection, i) => ({ rulePriority: i + 1, selection, action: { type: "expire" } })) });

describe("ecr-lifecycle-keeps-running-images", () => {
  test.each(["tagged", "any"])("fires on age-based expiry of %s images", (tagStatus) => {
    const selection = { tagStatus, ...(tagStatus === "tagged" ? { tagPatternList: ["*"] } : {}), countType: "sinceImagePushed", countUnit: "days", countNumber: 30 };
    expect(check(policy(selection))).toEqual([
      expect.stringMatching(new RegExp(`rule 1 \\(tagStatus ${tagStatus}\\) expires images sinceImagePushed 30 days, including the image a service still runs; expire tagged images by count`)),
    ]);
  });

  test("fires on a count rule that keeps fewer than 10 tagged images; quiet at 10 and above", () => {
    expect(check(policy({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 3 }))).toEqual([expect.stringMatching(/keeps only 3 images.*keep at least 10/)]);
    expect(check(policy({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }))).toEqual([]);
  });

  test("untagged images may expire by age or count", () => {
    expect(check(policy({ tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 }, { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 1 }, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 }))).toEqual([]);
  });

  test("reads an aws_ecr_lifecycle_policy_document too", () => {
    const messages = check((s) =>
      new DataAwsEcrLifecyclePolicyDocument(s, "doc", {
        rule: [{ priority: 1, selection: [{ tagStatus: "tagged", tagPrefixList: ["v"], countType: "sinceImagePulled", countUnit: "days", countNumber: 14 }], action: [{ type: "expire" }] }],
      }).json,
    );
    expect(messages).toEqual([expect.stringMatching(/rule 1 \(tagStatus tagged\) expires images sinceImagePulled 14 days/)]);
  });

});
