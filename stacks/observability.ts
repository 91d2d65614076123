import type { TerraformStack } from "cdktf";
import { lifecycleOf } from "../lib/core/lifecycle";
import type { Names } from "../lib/core/naming";
import { DeployMarkers } from "../lib/observability/deploy-markers";
import { EnvironmentDashboard } from "../lib/observability/environment-dashboard";
import { LogQueries } from "../lib/observability/log-queries";
import type { UploadBucket } from "../lib/storage/upload-bucket";
import type { EnvironmentConfig } from "../environments/types";
import { OwnedPlatform } from "./owned-platform";
import type { Platform } from "./platform";
import { SLO_RUNBOOK, sloActions, sloOf, type Workloads } from "./workloads";
import { SloAlarms } from "../lib/observability/slo-alarms";

export interface ObservabilityProps {
  readonly env: EnvironmentConfig;
  readonly names: Names;
  readonly platform: Platform;
  readonly workloads: Workloads;
  readonly uploads: UploadBucket;
}

/**
 * What on-call reads, for an environment that owns its platform (prod, staging): deploy markers
 * (every ECS deployment of the cluster, previews' included since they run in staging's, to a log
 * group; failures and rollbacks to the alarm topic), the saved Logs Insights queries over every
 * workload's logs, and one dashboard built from the declared services with no code per service.
 * Previews get none of them: they would repeat staging's and use up per-region quotas (CloudWatch
 * Logs resource policies: 10 per region). SLO alarms are wired per service in Workloads.
 *
 * Not a Construct, like Platform and Workloads (stable Terraform addresses).
 * Tested via: test/stacks/observability.test.ts
 */
export function addObservability(stack: TerraformStack, props: ObservabilityProps): { readonly dashboardName: string } | undefined {
  const { env, names, platform, workloads } = props;
  if (!(platform instanceof OwnedPlatform)) return undefined;
  const lifecycle = lifecycleOf(env.safetyTier);
  // The whole ALB's availability: the 5xx the ALB generates itself (no healthy target, a target
  // timing out) exist only per load balancer, so the per-service SLOs cannot see them.
  new SloAlarms(stack, "alb-slo", {
    names,
    service: "alb",
    loadBalancerArnSuffix: platform.loadBalancer.arnSuffix,
    availability: { targetPercent: env.observability.availabilityPercent },
    actions: sloActions(env.observability.alerting, platform.alarms),
    runbook: SLO_RUNBOOK,
  });
  const markers = new DeployMarkers(stack, "deploy-markers", { names, lifecycle, clusterArn: platform.cluster.clusterArn, alerts: platform.alarms });
  const services = Object.entries(workloads.services);
  new LogQueries(stack, "log-queries", {
    names,
    logGroupNames: [...services.map(([, s]) => s.task.logGroupName), workloads.migrationTask.logGroupName, ...workloads.scheduledTasks.map((t) => t.task.logGroupName)],
  });
  const dashboard = new EnvironmentDashboard(stack, "dashboard", {
    names,
    region: env.aws.region,
    services: services.map(([name, s]) => ({
      name,
      clusterName: platform.cluster.clusterName,
      serviceName: s.serviceName,
      loadBalancer: s.resources.targetGroup ? { arnSuffix: platform.loadBalancer.arnSuffix, targetGroupArnSuffix: s.resources.targetGroup.arnSuffix } : undefined,
      availabilityPercent: s.resources.targetGroup ? sloOf(env.services[name]!, env.observability).availability.targetPercent : undefined,
    })),
    database: { primary: platform.database.resources.instance.identifier, replicas: platform.database.resources.replicas.map((r) => r.identifier) },
    queues: [props.uploads.resources.queue.name],
    cron: workloads.scheduledTasks.length
      ? {
          namespace: `${names.appName}/${names.envName}/cron`,
          jobs: env.cron.jobs.filter((j) => j.environments.includes(env.name as "prod" | "staging")).map((j) => j.name),
          logGroupNames: workloads.scheduledTasks.map((t) => t.task.logGroupName),
        }
      : undefined,
    deployMarkerLogGroupName: markers.logGroupName,
  });
  return { dashboardName: dashboard.dashboardName };
}
