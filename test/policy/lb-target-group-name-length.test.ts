import { Testing, TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LbTargetGroup, type LbTargetGroupConfig } from "@cdktf/provider-aws/lib/lb-target-group";
import { ruleContext } from "../../lib/policy/rule";
import { lbTargetGroupNameLength as rule } from "../../lib/policy/rules/lb-target-group-name-length";

function check(build: (stack: TerraformStack) => void) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  build(stack);
  return rule.check(ruleContext(stack, "standard"));
}
const group = (stack: TerraformStack, naming: Partial<LbTargetGroupConfig>) => new LbTargetGroup(stack, "tg", { port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1", ...naming });

describe("lb-target-group-name-length", () => {
  test("fires on a literal name over 32 characters, naming the value and the fix", () => {
    const name = "shipkit-staging-backend-api-8080"; // 32: fits
    expect(check((s) => group(s, { name }))).toEqual([]);
    const [finding, ...rest] = check((s) => group(s, { name: `${name}x` }));
    expect(rest).toEqual([]);
    expect(finding!.message).toMatch(/name "shipkit-staging-backend-api-8080x" is 33 characters, over ELB's 32; build it with names.of\(part, \{ max: 32 \}\)/);
  });

  test("fires on a name_prefix over 6 characters; quiet at 6", () => {
    expect(check((s) => group(s, { namePrefix: "web-tg" }))).toEqual([]);
    expect(check((s) => group(s, { namePrefix: "backend" }))[0]!.message).toMatch(/name_prefix "backend" is 7 characters.*at most 6 fit in 32/);
  });

  test("a name built from a variable fires only when its literal parts alone are too long", () => {
    const withVar = (suffix: string) => check((s) => group(s, { name: `${new TerraformVariable(s, "env", { type: "string" }).stringValue}${suffix}` }));
    expect(withVar("-web-8080")).toEqual([]);
    expect(withVar("-a-very-long-service-name-for-the-web-8080")[0]!.message).toMatch(/is at least 42 characters/);
  });

  test("fires on characters ELB refuses and on a hyphen at either end", () => {
    expect(check((s) => group(s, { name: "web_8080" }))[0]!.message).toMatch(/characters other than letters, digits and hyphens/);
    expect(check((s) => group(s, { name: "web-8080-" }))[0]!.message).toMatch(/begins or ends with a hyphen/);
  });

});
