import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { LbListenerRule, type LbListenerRuleCondition } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Lifecycle } from "../core/lifecycle";
import type { FargateCpu } from "./fargate-sizes";
import type { ClusterAttributes } from "./ecs-cluster";
import { ConfigError } from "../core/errors";
import { FargateTask, type FargateTaskProps } from "./fargate-task";
import type { LoadBalancerAttachment } from "./load-balancer";
import type { Names } from "../core/naming";
import { ServiceAlarms } from "../observability/service-alarms";

/** Health check cadence of target groups: fast, so a new task takes traffic in ~10 s. */
export const HEALTH_CHECK = { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 2 } as const;

/** Extra seconds of draining beyond the app's request timeout. */
export const DRAIN_MARGIN_SECONDS = 5;

/** Size of one Fargate service. */
export interface ServiceSize {
  /** CPU units of each task. */
  readonly cpu: FargateCpu;
  /** Memory of each task in MiB; a pair Fargate accepts for `cpu`. */
  readonly memoryMiB: number;
  /** Lower bound for autoscaling, and the initial desired count. */
  readonly minTasks: number;
  /** Upper bound for autoscaling; equal to minTasks = no autoscaling. */
  readonly maxTasks: number;
}

/**
 * What autoscaling tracks (target tracking; scale-out after 30 s, scale-in after 120 s):
 * - `cpu`: average CPU of the service (every service also tracks it);
 * - `queue-backlog`: visible messages of an SQS queue per running task (AWS's "backlog per
 *   task" pattern), for workers that consume a queue.
 */
export type ServiceScaling =
  | { readonly on: "cpu"; readonly targetPercent?: number }
  | { readonly on: "queue-backlog"; readonly queueName: string; readonly targetMessagesPerTask: number };

/** Routing of a web-facing service on the (possibly shared) HTTPS listener. */
export interface ServiceRouting {
  /** Load balancer to attach to: the service adds its target group and listener rule there, and admits the ALB's security group on its own. */
  readonly loadBalancer: LoadBalancerAttachment;
  /** Path patterns this service answers, e.g. `["/backend/*"]`. @default every path (catch-all) */
  readonly pathPatterns?: readonly string[];
  /** Host headers this rule is limited to (a preview's hostname on the shared staging listener). @default any host */
  readonly hosts?: readonly string[];
  /** Target-group health check path. */
  readonly healthCheckPath: string;
  /** Listener rule priority, unique on the listener (planRoutes in route-plan.ts derives it). */
  readonly priority: number;
}

export interface FargateServiceProps {
  /** Safety tier: Spot is refused in the protected tier; ECS Exec is on outside it. */
  readonly lifecycle: Lifecycle;
  /** AWS region (task logs). */
  readonly region: string;
  /** Naming helper of the stack. */
  readonly names: Names;
  /** `http` takes ALB traffic (needs `routing`); `worker` runs without a load balancer. */
  readonly kind: "http" | "worker";
  /** Service name part: `<app>-<env>-<name>` is the ECS service, the task family and the target group prefix. */
  readonly name: string;
  /** Cluster the service runs in. */
  readonly cluster: ClusterAttributes;
  /** Task settings: image, tag, command, env vars, secrets (cpu/memory come from `size`). */
  readonly task: Omit<FargateTaskProps, "lifecycle" | "region" | "names" | "name" | "cpu" | "memoryMiB" | "port" | "healthCheckPath" | "securityGroupId">;
  /** CPU units and memory of each task; `minTasks` is the initial desired count, `minTasks`–`maxTasks` the autoscaling range. */
  readonly size: ServiceSize;
  /** Private subnets the tasks run in (no public IP). */
  readonly subnetIds: string[];
  /** Security group of the tasks; the service adds the ALB ingress it needs. */
  readonly securityGroupId: string;
  /**
   * Listener routing: target group, listener rule, ingress from the ALB. Required for `http`,
   * forbidden for `worker`.
   * @default none (only valid for a `worker`)
   */
  readonly routing?: ServiceRouting;
  /** Container port (http services). @default 8080 */
  readonly port?: number;
  /** The app's request timeout; drain = timeout + 5 s so no in-flight request is cut. @default 25 */
  readonly requestTimeoutSeconds?: number;
  /** Seconds ECS ignores failing LB health checks after a task starts. @default 30 */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Share of tasks on Fargate Spot (0–100); must be 0 in the protected tier. @default 0 */
  readonly spotPercent?: number;
  /** Average CPU percent autoscaling aims for. @default 60 */
  readonly targetCpuPercent?: number;
  /** Extra scaling signal besides CPU (workers: a queue's backlog). @default CPU only (plus requests per target for http) */
  readonly scaling?: ServiceScaling;
  /** ALB requests per target per minute autoscaling aims for (routed services). @default 1000 */
  readonly targetRequestsPerTarget?: number;
  /** Where the service's alarms publish; pass `off` for previews (their noise would page staging). @default "off" */
  readonly alarms?: { readonly topicArn: string } | "off";
}

/**
 * Admits the ALB's security group to `port` on the tasks' security group, once per stack, group
 * and port: services that share a group and a port (web and backend on 8080) would otherwise add
 * the same rule twice, which EC2 rejects at apply (`InvalidPermission.Duplicate`) though a plan passes.
 * The rule lives at stack scope so removing one of the services keeps it.
 */
function admitFromLoadBalancer(scope: Construct, securityGroupId: string, albSecurityGroupId: string, port: number): void {
  const stack = TerraformStack.of(scope);
  const admitted = (ADMITTED.get(stack) ?? ADMITTED.set(stack, []).get(stack))!;
  if (admitted.some((a) => a.securityGroupId === securityGroupId && a.albSecurityGroupId === albSecurityGroupId && a.port === port)) return;
  const id = `app-ingress-from-alb-${port}`;
  new VpcSecurityGroupIngressRule(stack, stack.node.tryFindChild(id) ? `${id}-${admitted.length}` : id, {
    securityGroupId,
    referencedSecurityGroupId: albSecurityGroupId,
    ipProtocol: "tcp",
    fromPort: port,
    toPort: port,
    description: `ALB to app port ${port}`,
  });
  admitted.push({ securityGroupId, albSecurityGroupId, port });
}
const ADMITTED = new WeakMap<TerraformStack, { securityGroupId: string; albSecurityGroupId: string; port: number }[]>();

/**
 * One Fargate service class for HTTP services (behind a shared ALB listener) and workers.
 *
 * Fast, safe rollouts: 100%/200% rolling with the circuit breaker rolling back, target group
 * health checks every 5 s (healthy after 2), deregistration delay = request timeout + 5 s. The
 * modeled rollout wait (`modeledRolloutSeconds`) is 2 × 5 s + 30 s = 40 s at defaults, against
 * 390–450 s with provider / ecs-patterns defaults (bench/rollout.ts).
 *
 * Deploys and autoscaling never fight Terraform: the image tag is a Terraform variable, so a new
 * image changes only the task definition and the service's pointer to it; `desired_count` is set at
 * creation and then owned by autoscaling (`ignore_changes`).
 *
 * @example new FargateService(this, "web-service", { lifecycle, region, names, kind: "http", name: "web", cluster, task: { image, imageTag }, size, subnetIds, securityGroupId, routing: { loadBalancer, healthCheckPath: "/healthz", priority } });
 * Cost at staging defaults: 0.25 vCPU/0.5 GB ≈ $9/month per on-demand task, ~70% less on Spot.
 * Tested via: test/constructs/fargate-service.test.ts
 */
export class FargateService extends Construct {
  readonly serviceName: string;
  readonly task: FargateTask;
  /** Health checks to healthy plus connection draining, in seconds. */
  readonly modeledRolloutSeconds: number;
  readonly resources: { readonly service: EcsService; readonly targetGroup?: LbTargetGroup; readonly listenerRule?: LbListenerRule };

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const { names, lifecycle, name } = props;
    const cfg = {
      port: props.port ?? 8080,
      requestTimeoutSeconds: props.requestTimeoutSeconds ?? 25,
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? 30,
      spotPercent: props.spotPercent ?? 0,
      targetCpuPercent: props.scaling?.on === "cpu" ? (props.scaling.targetPercent ?? props.targetCpuPercent ?? 60) : (props.targetCpuPercent ?? 60),
      targetRequestsPerTarget: props.targetRequestsPerTarget ?? 1000,
      alarms: props.alarms ?? "off",
    };
    const routed = props.kind !== "worker";
    if (routed && !props.routing) throw new ConfigError(this, "routing", `is required for an ${props.kind} service; pass the load balancer attachment`);
    if (!routed && props.routing) throw new ConfigError(this, "routing", "must not be set for a worker (workers take no HTTP traffic)");
    if (cfg.spotPercent < 0 || cfg.spotPercent > 100) throw new ConfigError(this, "spotPercent", `${cfg.spotPercent} must be 0–100`);
    if (lifecycle.protectState && cfg.spotPercent > 0) throw new ConfigError(this, "spotPercent", `${cfg.spotPercent} must be 0 in the ${lifecycle.tier} tier (Spot can be reclaimed)`);
    if (props.scaling?.on === "queue-backlog" && !(props.scaling.targetMessagesPerTask >= 1))
      throw new ConfigError(this, "scaling.targetMessagesPerTask", `${props.scaling.targetMessagesPerTask} must be at least 1 (messages one task works through within an acceptable delay)`);
    if (props.size.minTasks > props.size.maxTasks) throw new ConfigError(this, "size.minTasks", `${props.size.minTasks} is above maxTasks ${props.size.maxTasks}`);
    if (cfg.requestTimeoutSeconds < 1 || cfg.requestTimeoutSeconds + DRAIN_MARGIN_SECONDS > 3600)
      throw new ConfigError(this, "requestTimeoutSeconds", `${cfg.requestTimeoutSeconds} must be 1–3595 s (deregistration delay tops out at 3600 s)`);
    if (props.routing?.pathPatterns?.some((p) => !p.startsWith("/"))) throw new ConfigError(this, "routing.pathPatterns", "must all start with /");

    this.task = new FargateTask(this, "task", {
      ...props.task,
      lifecycle,
      region: props.region,
      securityGroupId: props.securityGroupId,
      names,
      name,
      cpu: props.size.cpu,
      memoryMiB: props.size.memoryMiB,
      port: routed ? cfg.port : undefined,
      healthCheckPath: props.routing?.healthCheckPath,
    });

    let targetGroup: LbTargetGroup | undefined;
    let listenerRule: LbListenerRule | undefined;
    const drainSeconds = cfg.requestTimeoutSeconds + DRAIN_MARGIN_SECONDS;
    if (props.routing) {
      const lb = props.routing.loadBalancer;
      targetGroup = new LbTargetGroup(this, "target-group", {
        // The port is in the name so a port change (which replaces the group) can create the new
        // group before destroying the old one without a name clash.
        name: names.of(`${name}-${cfg.port}`, { max: 32 }),
        port: cfg.port,
        protocol: "HTTP",
        targetType: "ip",
        vpcId: lb.vpcId,
        deregistrationDelay: String(drainSeconds),
        healthCheck: {
          path: props.routing.healthCheckPath,
          interval: HEALTH_CHECK.intervalSeconds,
          timeout: HEALTH_CHECK.timeoutSeconds,
          healthyThreshold: HEALTH_CHECK.healthyThreshold,
          unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
          matcher: "200-399",
        },
        lifecycle: { createBeforeDestroy: true },
      });
      const conditions: LbListenerRuleCondition[] = [{ httpHeader: { httpHeaderName: lb.originVerifyHeader, values: lb.originVerifyValues } }];
      if (props.routing.pathPatterns) conditions.push({ pathPattern: { values: [...props.routing.pathPatterns] } });
      if (props.routing.hosts?.length) conditions.push({ hostHeader: { values: [...props.routing.hosts] } });
      listenerRule = new LbListenerRule(this, "listener-rule", {
        listenerArn: lb.httpsListenerArn,
        priority: props.routing.priority,
        condition: conditions,
        action: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      });
      admitFromLoadBalancer(this, props.securityGroupId, lb.securityGroupId, cfg.port);
    }

    const spot = cfg.spotPercent;
    const capacityProviderStrategy =
      spot === 0 ? [{ capacityProvider: "FARGATE", weight: 1 }]
      : spot === 100 ? [{ capacityProvider: "FARGATE_SPOT", weight: 1 }]
      : [{ capacityProvider: "FARGATE", weight: 100 - spot, base: 1 }, { capacityProvider: "FARGATE_SPOT", weight: spot }];
    const service = new EcsService(this, "service", {
      name: names.of(name),
      cluster: props.cluster.clusterName, // name via the capacity-provider association: created after FARGATE_SPOT is attached
      taskDefinition: this.task.taskDefinitionArn,
      desiredCount: props.size.minTasks,
      capacityProviderStrategy,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand: !lifecycle.protectState,
      enableEcsManagedTags: true,
      propagateTags: "SERVICE",
      networkConfiguration: { subnets: props.subnetIds, securityGroups: [props.securityGroupId], assignPublicIp: false },
      ...(targetGroup
        ? { loadBalancer: [{ targetGroupArn: targetGroup.arn, containerName: this.task.containerName, containerPort: cfg.port }], healthCheckGracePeriodSeconds: cfg.healthCheckGracePeriodSeconds }
        : {}),
      // Autoscaling owns the task count after creation; CI deploys only move the task definition.
      lifecycle: { ignoreChanges: ["desired_count"] },
      dependsOn: listenerRule ? [listenerRule] : [],
    });

    if (props.size.maxTasks > props.size.minTasks) {
      const target = new AppautoscalingTarget(this, "scaling-target", {
        serviceNamespace: "ecs",
        resourceId: `service/${props.cluster.clusterName}/${service.name}`,
        scalableDimension: "ecs:service:DesiredCount",
        minCapacity: props.size.minTasks,
        maxCapacity: props.size.maxTasks,
      });
      const trackingPolicy = (pid: string, predefinedMetricType: string, targetValue: number, resourceLabel?: string) =>
        new AppautoscalingPolicy(this, pid, {
          name: names.of(`${name}-${pid}`),
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          resourceId: target.resourceId,
          scalableDimension: target.scalableDimension,
          targetTrackingScalingPolicyConfiguration: {
            targetValue,
            scaleInCooldown: 120,
            scaleOutCooldown: 30,
            predefinedMetricSpecification: { predefinedMetricType, ...(resourceLabel ? { resourceLabel } : {}) },
          },
        });
      trackingPolicy("cpu", "ECSServiceAverageCPUUtilization", cfg.targetCpuPercent);
      if (props.routing && targetGroup)
        trackingPolicy("requests", "ALBRequestCountPerTarget", cfg.targetRequestsPerTarget, `${props.routing.loadBalancer.arnSuffix}/${targetGroup.arnSuffix}`);
      if (props.scaling?.on === "queue-backlog") {
        // Backlog per task = visible messages / running tasks (Application Auto Scaling User Guide,
        // "Scaling policy based on Amazon SQS"): the queue's depth alone does not say how many tasks
        // are needed. RunningTaskCount comes from Container Insights (on in EcsCluster).
        const metric = (id: string, namespace: string, metricName: string, dimensions: { name: string; value: string }[]) =>
          ({ id, returnData: false, metricStat: { stat: "Average", metric: { namespace, metricName, dimensions } } });
        new AppautoscalingPolicy(this, "backlog", {
          name: names.of(`${name}-backlog`),
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          resourceId: target.resourceId,
          scalableDimension: target.scalableDimension,
          targetTrackingScalingPolicyConfiguration: {
            targetValue: props.scaling.targetMessagesPerTask,
            scaleInCooldown: 120,
            scaleOutCooldown: 30,
            customizedMetricSpecification: {
              metrics: [
                metric("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", [{ name: "QueueName", value: props.scaling.queueName }]),
                metric("running", "ECS/ContainerInsights", "RunningTaskCount", [{ name: "ClusterName", value: props.cluster.clusterName }, { name: "ServiceName", value: service.name }]),
                { id: "backlog_per_task", expression: "visible / IF(running > 0, running, 1)", label: "Messages per running task", returnData: true },
              ],
            },
          },
        });
      }
    }

    if (cfg.alarms !== "off") {
      new ServiceAlarms(this, "alarms", {
        names,
        name,
        alarmTopicArn: cfg.alarms.topicArn,
        clusterName: props.cluster.clusterName,
        serviceName: service.name,
        loadBalancer: props.routing && targetGroup ? { arnSuffix: props.routing.loadBalancer.arnSuffix, targetGroupArnSuffix: targetGroup.arnSuffix } : undefined,
        p95Seconds: Math.max(1, Math.round(cfg.requestTimeoutSeconds * 0.4)),
      });
    }

    this.serviceName = service.name;
    this.modeledRolloutSeconds = routed ? HEALTH_CHECK.intervalSeconds * HEALTH_CHECK.healthyThreshold + drainSeconds : 0;
    this.resources = { service, targetGroup, listenerRule };
  }
}
