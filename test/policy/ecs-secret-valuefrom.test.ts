import { Fn, Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { ruleContext } from "../../lib/policy/rule";
import { ecsSecretValueFrom as rule, valueFromProblem } from "../../lib/policy/rules/ecs-secret-valuefrom";

const SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf";

/** A task definition whose one container reads `valueFrom`s; `encode` writes it like FargateTask (jsonencode). */
function check(valueFroms: (stack: TerraformStack) => string[], encode = false) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const container = { name: "web", image: "nginx", secrets: valueFroms(stack).map((valueFrom, i) => ({ name: `S${i}`, valueFrom })) };
  new EcsTaskDefinition(stack, "task", { family: "web", containerDefinitions: encode ? Fn.jsonencode([container]) : JSON.stringify([container]) });
  return rule.check(ruleContext(stack, "standard")).map((f) => f.message);
}

describe("ecs-secret-valuefrom", () => {
  test.each([
    [SECRET],
    [`${SECRET}:password::`],
    [`${SECRET}::AWSPREVIOUS:`],
    ["arn:aws:ssm:us-east-1:111111111111:parameter/app/db-password"],
    ["/app/db-password"],
    ["db_password"],
  ])("accepts %s", (valueFrom) => {
    expect(valueFromProblem(valueFrom)).toBeUndefined();
  });

  test.each([
    [`${SECRET}:password`, /Secrets Manager secret ARN ECS accepts.*":password::"/],
    [`${SECRET}:password:AWSCURRENT`, /Secrets Manager secret ARN ECS accepts/],
    ["arn:aws:secretsmanager:us-east-1:111111111111:app/db", /Secrets Manager secret ARN ECS accepts/],
    ["arn:aws:kms:us-east-1:111111111111:key/1234", /is an ARN of "kms"; ECS reads secrets only from Secrets Manager/],
    ["arn:aws:ssm:us-east-1:111111111111:document/x", /SSM ARN but not a parameter/],
    ["arn:aws:secretsmanager:::secret:x", /is not a full ARN/],
    ["app db password", /neither an ARN nor an SSM parameter name/],
  ])("refuses %s", (valueFrom, problem) => {
    expect(valueFromProblem(valueFrom)).toMatch(problem);
  });

  test("fires on a literal container definition, naming container, secret and value", () => {
    expect(check(() => [SECRET, `${SECRET}:password`])).toEqual([expect.stringMatching(/^container "web", secret "S1": valueFrom "arn:aws:secretsmanager:.*:password" is not a Secrets Manager secret ARN/)]);
    expect(check(() => [SECRET, `${SECRET}:password::`])).toEqual([]);
  });

  test("a reference to a secret's ARN is checked by its suffix; other references are skipped", () => {
    const secret = (s: TerraformStack) => new SecretsmanagerSecret(s, "secret", { name: "app/db" }).arn;
    expect(check((s) => [`${secret(s)}:password`])).toEqual([expect.stringMatching(/follows the secret's ARN with ":password"; .* e.g. ":password::"/)]);
    expect(check((s) => { const arn = secret(s); return [`${arn}:password::`, arn]; })).toEqual([]);
    expect(check((s) => [`${new SecretsmanagerSecret(s, "other", { name: "x" }).id}:anything`])).toEqual([]);
  });

  test("jsonencode container definitions (FargateTask's form) are searched as text", () => {
    expect(check(() => [`${SECRET}:password`], true)).toEqual([expect.stringMatching(/^a container: valueFrom ".*:password" is not a Secrets Manager secret ARN/)]);
    expect(check((s) => [`${new SecretsmanagerSecret(s, "secret", { name: "app/db" }).arn}:password`], true)).toEqual([expect.stringMatching(/follows the secret's ARN with ":password"/)]);
    expect(check((s) => [SECRET, `${new SecretsmanagerSecret(s, "secret", { name: "app/db" }).arn}:password::`], true)).toEqual([]);
  });

  test("a secret without valueFrom fires", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    new EcsTaskDefinition(stack, "task", { family: "web", containerDefinitions: JSON.stringify([{ name: "web", image: "nginx", secrets: [{ name: "TOKEN" }] }]) });
    expect(rule.check(ruleContext(stack, "standard")).map((f) => f.message)).toEqual([expect.stringMatching(/container "web", secret "TOKEN" has no valueFrom/)]);
  });

});
