import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { EcsService, type EcsServiceCapacityProviderStrategy } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition, type EcsTaskDefinitionRuntimePlatform } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { ruleContext } from "../../lib/policy/rule";
import { fargateSpotPlatform as rule } from "../../lib/policy/rules/fargate-spot-platform";

const SPOT: EcsServiceCapacityProviderStrategy[] = [{ capacityProvider: "FARGATE", weight: 1, base: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 1 }];
const ARM64: EcsTaskDefinitionRuntimePlatform = { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" };
const WINDOWS: EcsTaskDefinitionRuntimePlatform = { operatingSystemFamily: "WINDOWS_SERVER_2022_CORE", cpuArchitecture: "X86_64" };

interface Case {
  readonly platform: EcsTaskDefinitionRuntimePlatform;
  readonly strategy?: EcsServiceCapacityProviderStrategy[];
  readonly platformVersion?: string;
  /** Leave the service's strategy out so the cluster's default applies. */
  readonly clusterDefault?: EcsServiceCapacityProviderStrategy[];
}

function check(c: Case) {
  const stack = new TerraformStack(Testing.app(), "s");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const cluster = new EcsCluster(stack, "cluster", { name: "app" });
  const association = new EcsClusterCapacityProviders(stack, "providers", {
    clusterName: cluster.name,
    capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    defaultCapacityProviderStrategy: c.clusterDefault ?? [{ capacityProvider: "FARGATE", weight: 1 }],
  });
  const task = new EcsTaskDefinition(stack, "task", {
    family: "web", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "1024", memory: "2048", runtimePlatform: c.platform,
    containerDefinitions: JSON.stringify([{ name: "web", image: "nginx" }]),
  });
  new EcsService(stack, "service", {
    name: "web", cluster: association.clusterName, taskDefinition: task.arn, desiredCount: 1,
    ...(c.clusterDefault ? {} : { capacityProviderStrategy: c.strategy ?? SPOT }),
    ...(c.platformVersion ? { platformVersion: c.platformVersion } : {}),
  });
  return rule.check(ruleContext(stack, "standard"));
}

describe("fargate-spot-platform", () => {
  test("fires on a Windows task placed on FARGATE_SPOT; quiet on FARGATE alone", () => {
    const findings = check({ platform: WINDOWS });
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/places s\/task \(WINDOWS_SERVER_2022_CORE\) on FARGATE_SPOT, which runs Linux tasks only; use the FARGATE capacity provider/)]);
    expect(findings[0]!.resource.node.path).toBe("s/service");
    expect(check({ platform: WINDOWS, strategy: [{ capacityProvider: "FARGATE", weight: 1 }] })).toEqual([]);
    // A Spot entry with weight 0 and no base places nothing there.
    expect(check({ platform: WINDOWS, strategy: [{ capacityProvider: "FARGATE", weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 0 }] })).toEqual([]);
  });

  test("fires on an ARM64 task on FARGATE_SPOT pinned below platform 1.4.0; quiet on LATEST (Spot runs ARM64 since 2024)", () => {
    expect(check({ platform: ARM64, platformVersion: "1.3.0" }).map((f) => f.message)).toEqual([
      expect.stringMatching(/\(ARM64\) on FARGATE_SPOT with platform version 1.3.0; Spot runs ARM64 tasks from 1.4.0: set platform_version to "LATEST"/),
    ]);
    expect(check({ platform: ARM64 })).toEqual([]);
    expect(check({ platform: ARM64, platformVersion: "LATEST" })).toEqual([]);
    expect(check({ platform: ARM64, platformVersion: "1.4.0" })).toEqual([]);
    expect(check({ platform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" }, platformVersion: "1.3.0" })).toEqual([]);
  });

  test("a service without its own strategy gets the cluster's default strategy", () => {
    expect(check({ platform: WINDOWS, clusterDefault: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] })).toHaveLength(1);
    expect(check({ platform: WINDOWS, clusterDefault: [{ capacityProvider: "FARGATE", weight: 1 }] })).toEqual([]);
  });

  test("scheduled tasks are checked too", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const task = new EcsTaskDefinition(stack, "task", { family: "job", requiresCompatibilities: ["FARGATE"], cpu: "1024", memory: "2048", runtimePlatform: WINDOWS, containerDefinitions: "[]" });
    new SchedulerSchedule(stack, "schedule", {
      scheduleExpression: "rate(1 hour)",
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: "arn:aws:ecs:us-east-1:111111111111:cluster/app", roleArn: "arn:aws:iam::111111111111:role/s", ecsParameters: { taskDefinitionArn: task.arn, capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] } },
    });
    expect(rule.check(ruleContext(stack, "standard")).map((f) => f.resource.node.path)).toEqual(["s/schedule"]);
  });

});
