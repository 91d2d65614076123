import { Testing, TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EcsTaskDefinition, type EcsTaskDefinitionConfig } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { ruleContext } from "../../lib/policy/rule";
import { fargateCpuMemory as rule } from "../../lib/policy/rules/fargate-cpu-memory";

function check(config: Partial<EcsTaskDefinitionConfig> | ((stack: TerraformStack) => Partial<EcsTaskDefinitionConfig>)) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  new EcsTaskDefinition(stack, "task", {
    family: "web",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    containerDefinitions: JSON.stringify([{ name: "web", image: "nginx" }]),
    ...(typeof config === "function" ? config(stack) : config),
  });
  return rule.check(ruleContext(stack, "standard")).map((f) => f.message);
}

describe("fargate-cpu-memory", () => {
  test("fires on a pair Fargate does not offer, naming the values and the allowed memory", () => {
    expect(check({ cpu: "256", memory: "4096" })).toEqual([expect.stringMatching(/memory "4096" \(4096 MiB\) is not offered with cpu 256 on Fargate; use 512, 1024, 2048 MiB/)]);
    expect(check({ cpu: "2048", memory: "2048" })).toEqual([expect.stringMatching(/use 4096–16384 in steps of 1024 MiB/)]);
    expect(check({ cpu: "384", memory: "1024" })).toEqual([expect.stringMatching(/cpu "384" \(384 units\) is not a Fargate size/)]);
    expect(check({ cpu: "1 vCPU", memory: "1 GB" })).toEqual([expect.stringMatching(/memory "1 GB" \(1024 MiB\) is not offered with cpu 1024 on Fargate; use 2048, 3072, 4096, 5120, 6144, 7168, 8192 MiB/)]);
    expect(check({ cpu: ".25 vCPU", memory: "4 GB" })).toEqual([expect.stringMatching(/\(4096 MiB\) is not offered with cpu 256/)]);
  });

  test.each([
    ["256", "512"],
    ["1024", "8192"],
    ["4096", "30720"],
    ["8192", "61440"],
    ["16384", "32768"],
    [".25 vCPU", "0.5 GB"],
    ["1 vCPU", "2GB"],
  ])("quiet on cpu %s with memory %s", (cpu, memory) => {
    expect(check({ cpu, memory })).toEqual([]);
  });

  test("fires when a FARGATE task sets no task-level memory; quiet for EC2-only tasks and references", () => {
    expect(check({ cpu: "256" })).toEqual([expect.stringMatching(/requires FARGATE but sets no task-level memory/)]);
    expect(check({ requiresCompatibilities: ["EC2"], cpu: "256", memory: "4096" })).toEqual([]);
    expect(check((s) => ({ cpu: "256", memory: new TerraformVariable(s, "memory", { type: "string" }).stringValue }))).toEqual([]);
  });

});
