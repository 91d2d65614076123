import type { IConstruct } from "constructs";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { asRecord, asArray, defineRule, type Finding, type RuleContext } from "../rule";

/** Oldest Fargate Linux platform version FARGATE_SPOT runs, per CPU architecture. */
export const FARGATE_SPOT_MIN_PLATFORM: Readonly<Record<"X86_64" | "ARM64", string>> = { X86_64: "1.3.0", ARM64: "1.4.0" };


/** `1.3.0` < `1.4.0`; `undefined` when either is not a plain version (`LATEST`, a reference). */
function olderThan(version: string, min: string): boolean | undefined {
  const parse = (v: string) => (/^\d+\.\d+\.\d+$/.test(v) ? v.split(".").map(Number) : undefined);
  const a = parse(version);
  const b = parse(min);
  if (!a || !b) return undefined;
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  return false;
}

/** Whether a resolved capacity provider strategy places tasks on FARGATE_SPOT (weight or base above 0). */
const usesSpot = (strategy: unknown): boolean =>
  asArray(strategy).some((item) => {
    const s = asRecord(item);
    return s.capacityProvider === "FARGATE_SPOT" && (Number(s.weight ?? 0) > 0 || Number(s.base ?? 0) > 0);
  });

/** The default strategy of the cluster `cluster` names (by reference or literal name), when the stack attaches its capacity providers. */
function clusterDefaultStrategy(ctx: RuleContext, cluster: unknown): unknown {
  const clusters = ctx.all(EcsCluster);
  for (const association of ctx.all(EcsClusterCapacityProviders)) {
    const same =
      ctx.refersTo(cluster, association, ["cluster_name", "id"]) ||
      clusters.some((c) => ctx.refersTo(cluster, c, ["name", "id", "arn"]) && ctx.refersTo(association.clusterNameInput, c, ["name", "id"])) ||
      (typeof ctx.resolve(cluster) === "string" && !String(ctx.resolve(cluster)).includes("${") && ctx.resolve(association.clusterNameInput) === ctx.resolve(cluster));
    if (same) return ctx.resolve(association.defaultCapacityProviderStrategyInput);
  }
  return undefined;
}

/** Something that starts tasks: a service, a scheduler schedule or an EventBridge target. */
interface Placement {
  readonly resource: IConstruct;
  readonly taskDefinition: unknown;
  readonly spot: boolean;
  readonly platformVersion: unknown;
}

function placements(ctx: RuleContext): Placement[] {
  const services = ctx.all(EcsService).map((s) => {
    const explicit = ctx.resolve(s.capacityProviderStrategyInput);
    // Without a strategy or a launch type, the cluster's default strategy applies.
    const strategy = s.launchTypeInput === undefined && asArray(explicit).length === 0 ? clusterDefaultStrategy(ctx, s.clusterInput) : explicit;
    return { resource: s, taskDefinition: s.taskDefinitionInput, spot: usesSpot(strategy), platformVersion: s.platformVersionInput };
  });
  const schedules = ctx.all(SchedulerSchedule).flatMap((s) => {
    const target = asRecord(ctx.resolve(s.targetInput));
    const ecs = asRecord(target.ecsParameters);
    if (ecs.taskDefinitionArn === undefined) return [];
    const strategy = ecs.launchType === undefined && asArray(ecs.capacityProviderStrategy).length === 0 ? clusterDefaultStrategy(ctx, s.targetInput?.arn) : ecs.capacityProviderStrategy;
    return [{ resource: s, taskDefinition: s.targetInput?.ecsParameters?.taskDefinitionArn, spot: usesSpot(strategy), platformVersion: ecs.platformVersion }];
  });
  const targets = ctx.all(CloudwatchEventTarget).flatMap((t) => {
    const ecs = asRecord(ctx.resolve(t.ecsTargetInput));
    if (ecs.taskDefinitionArn === undefined) return [];
    const strategy = ecs.launchType === undefined && asArray(ecs.capacityProviderStrategy).length === 0 ? clusterDefaultStrategy(ctx, t.arnInput) : ecs.capacityProviderStrategy;
    return [{ resource: t, taskDefinition: t.ecsTargetInput?.taskDefinitionArn, spot: usesSpot(strategy), platformVersion: ecs.platformVersion }];
  });
  return [...services, ...schedules, ...targets];
}

/**
 * Tasks placed on FARGATE_SPOT are Linux tasks on a platform version Spot supports for their CPU
 * architecture: X86_64 from 1.3.0, ARM64 from 1.4.0 (Windows tasks never run on Spot).
 *
 * AWS added Fargate Spot for ARM64 (Graviton) in September 2024; older pages (and AWS Batch's) still
 * say Spot is X86_64 only, so this rule does NOT report ARM64 on Spot as such, only ARM64 pinned to
 * a platform version below 1.4.0 (`LATEST` is 1.4.0 on Linux). The task definition is found by
 * reference (`arn`, `arn_without_revision`, `family`) or literal family among the stack's; the
 * strategy is the placement's own, else (no launch type either) the default strategy of the
 * cluster's aws_ecs_cluster_capacity_providers in the stack.
 */
export const fargateSpotPlatform = defineRule({
  id: "fargate-spot-platform",
  severity: "error",
  kind: "apply-time",
  summary: `A service, schedule or EventBridge target that places tasks on FARGATE_SPOT runs a Linux task definition, on platform version ${FARGATE_SPOT_MIN_PLATFORM.X86_64}+ (X86_64) or ${FARGATE_SPOT_MIN_PLATFORM.ARM64}+ (ARM64) when a version is pinned.`,
  why: "Terraform creates the service (or schedule) and plan passes, but ECS cannot place its Spot share: the service events say it cannot place tasks and the desired count is never reached (scheduled tasks fail at every run).",
  source: {
    title: "Amazon ECS API Reference: CapacityProviderStrategyItem",
    url: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html",
    quote: "FARGATE_SPOT supports Linux tasks with the X86_64 architecture on platform version 1.3.0 or later. FARGATE_SPOT supports Linux tasks with the ARM64 architecture on platform version 1.4.0 or later.",
  },
  check: (ctx) => {
    const tasks = ctx.all(EcsTaskDefinition);
    const findings: Finding[] = [];
    for (const p of placements(ctx).filter((x) => x.spot)) {
      const family = ctx.resolve(p.taskDefinition);
      const task = tasks.find((t) => ctx.refersTo(p.taskDefinition, t, ["arn", "arn_without_revision", "family", "id"]) || (typeof family === "string" && !family.includes("${") && ctx.resolve(t.familyInput) === family.replace(/:\d+$/, "")));
      if (!task) continue;
      const platform = asRecord(ctx.resolve(task.runtimePlatformInput));
      const os = typeof platform.operatingSystemFamily === "string" ? platform.operatingSystemFamily : "LINUX";
      const arch = platform.cpuArchitecture === "ARM64" ? "ARM64" : platform.cpuArchitecture === undefined || platform.cpuArchitecture === "X86_64" ? "X86_64" : undefined;
      if (os.startsWith("WINDOWS")) {
        findings.push({ resource: p.resource, message: `places ${task.node.path} (${os}) on FARGATE_SPOT, which runs Linux tasks only; use the FARGATE capacity provider for Windows tasks` });
        continue;
      }
      const version = ctx.resolve(p.platformVersion);
      if (arch && typeof version === "string" && olderThan(version, FARGATE_SPOT_MIN_PLATFORM[arch]))
        findings.push({
          resource: p.resource,
          message: `places ${task.node.path} (${arch}) on FARGATE_SPOT with platform version ${version}; Spot runs ${arch} tasks from ${FARGATE_SPOT_MIN_PLATFORM[arch]}: set platform_version to "LATEST" (or ${FARGATE_SPOT_MIN_PLATFORM[arch]}+) or drop FARGATE_SPOT`,
        });
    }
    return findings;
  },
});
