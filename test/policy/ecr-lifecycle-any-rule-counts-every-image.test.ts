import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsEcrLifecyclePolicyDocument } from "@cdktf/provider-aws/lib/data-aws-ecr-lifecycle-policy-document";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { ruleContext } from "../../lib/policy/rule";
import { ecrLifecycleAnyRuleCountsEveryImage as rule } from "../../lib/policy/rules/ecr-lifecycle-any-rule-counts-every-image";
import { ContainerRepository } from "../../lib/compute/container-repository";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";

function check(policy: string | ((stack: TerraformStack) => string)) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new EcrLifecyclePolicy(stack, "lifecycle", { repository: "web", policy: typeof policy === "function" ? policy(stack) : policy });
  return rule.check(ruleContext(stack, "standard")).map((f) => f.message);
}
const policy = (...selections: Record<string, unknown>[]) =>
  JSON.stringify({ rules: selections.map((selection, i) => ({ rulePriority: i + 1, selection, action: { type: "expire" } })) });
const prRule = { tagStatus: "tagged", tagPrefixList: ["pr-"], countType: "imageCountMoreThan", countNumber: 50 };
const keep30 = { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 };

describe("ecr-lifecycle-any-rule-counts-every-image", () => {
  test("fires on a pr- prefix rule above a keep-30 any rule: the any rule still counts pr- images", () => {
    expect(check(policy(prRule, keep30))).toEqual([
      expect.stringMatching(/rule 2 \(tagStatus any, keep 30\) still counts the images rule 1 \(tagged \["pr-"\]\) selects: 30 of those pushes expire every other image, including the one a service runs; push those images to a repository of their own/),
    ]);
  });

  test("quiet on a lone any rule, and on untagged rules above it", () => {
    expect(check(policy(keep30))).toEqual([]);
    expect(check(policy({ tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 }, keep30))).toEqual([]);
  });

  test("quiet on tagged rules without an any count rule", () => {
    expect(check(policy(prRule, { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 30 }))).toEqual([]);
  });

  test("reads an aws_ecr_lifecycle_policy_document too", () => {
    const messages = check((s) =>
      new DataAwsEcrLifecyclePolicyDocument(s, "doc", {
        rule: [
          { priority: 1, selection: [{ tagStatus: "tagged", tagPatternList: ["pr-*"], countType: "imageCountMoreThan", countNumber: 100 }], action: [{ type: "expire" }] },
          { priority: 2, selection: [{ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 }], action: [{ type: "expire" }] },
        ],
      }).json,
    );
    expect(messages).toEqual([expect.stringMatching(/rule 2 \(tagStatus any, keep 30\) still counts the images rule 1 \(tagged \["pr-\*"\]\)/)]);
  });

  test("the kit's ContainerRepository (one keep-N rule per repository) passes", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    new ContainerRepository(stack, "web", { names: new Names("shipkit", "staging"), lifecycle: lifecycleOf("standard"), name: "web-previews", keepImages: 490 });
    expect(rule.check(ruleContext(stack, "standard"))).toEqual([]);
  });
});
