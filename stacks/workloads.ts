import type { TerraformStack } from "cdktf";
import type { Connection } from "../lib/compute/connection";
import { FargateService, type ServiceScaling } from "../lib/compute/fargate-service";
import { FargateTask } from "../lib/compute/fargate-task";
import { planRoutes, type PlannedRoute } from "../lib/compute/route-plan";
import { ScheduleGroup } from "../lib/compute/schedule-group";
import { ScheduledTask } from "../lib/compute/scheduled-task";
import { lifecycleOf } from "../lib/core/lifecycle";
import type { Names } from "../lib/core/naming";
import { databaseAccess, type DatabaseAccess } from "../lib/data/database-access";
import { applicationName } from "../lib/data/database-connection";
import type { UploadBucket } from "../lib/storage/upload-bucket";
import type { EnvironmentConfig, ServiceConfig } from "../environments/types";
import { httpRoutes } from "../environments/service-schema";
import type { Platform } from "./platform";
import { prometheusScraping } from "../lib/observability/prometheus-metrics";
import { SloAlarms, type SloActions } from "../lib/observability/slo-alarms";
import { jobRepository } from "../environments/schema";

export interface WorkloadsProps {
  /** The environment: its services, migration, cron jobs and app settings. */
  readonly env: EnvironmentConfig;
  /** Naming helper of the stack. */
  readonly names: Names;
  /** What the workloads run on (owned or borrowed). */
  readonly platform: Platform;
  /** The environment's upload bucket: services with `uploads: "read-write"` are connected to it. */
  readonly uploads: UploadBucket;
  /** Image tag the services and jobs run (a Terraform variable). */
  readonly imageTag: string;
  /** Image tag of the migration task (may run ahead of the services). */
  readonly migrationImageTag: string;
}

/**
 * The environment's workloads, built from data on any Platform:
 * - one FargateService per declared service (`<name>-service`): HTTP services get a target group
 *   and a listener rule at the priority planRoutes derives (a preview's under its own host),
 *   workers scale on CPU or a named queue's backlog;
 * - the one-off migration task (`migrate`) in the image of `app.migration.service`;
 * - the cron jobs that list this environment (`cron-<job>`, in one schedule group `cron`).
 * Each gets its typed connections: the database as declared (none / read / write), the upload
 * bucket for `uploads: "read-write"`.
 *
 * Not a Construct: workloads sit directly on the stack under the construct ids deployments already
 * have (`web-service`, `backend-service`, `migrate`, `cron-<job>`), so no Terraform address moves.
 *
 * Tested via: test/stacks/workloads.test.ts
 */
export class Workloads {
  readonly services: Readonly<Record<string, FargateService>>;
  /** Listener priorities of the HTTP services, by service name. */
  readonly routes: Readonly<Record<string, PlannedRoute>>;
  readonly migrationTask: FargateTask;
  readonly scheduledTasks: readonly ScheduledTask[];
  /** Longest modeled rollout wait of the HTTP services, in seconds. */
  readonly modeledRolloutSeconds: number;

  constructor(stack: TerraformStack, props: WorkloadsProps) {
    const { env, names, platform, uploads } = props;
    const lifecycle = lifecycleOf(env.safetyTier);
    const appEnvironment = { APP_ENV: env.name, PUBLIC_URL: `https://${env.hostnames.app}`, REQUEST_TIMEOUT_SECONDS: String(env.app.requestTimeoutSeconds) };
    const database = (access: DatabaseAccess | "migration", process: string): Connection[] =>
      access === "none" ? [] : [databaseAccess(platform.database, access, applicationName(names.prefix, process))];
    const queues: Readonly<Record<string, string>> = { "upload-events": uploads.resources.queue.name };

    const entries = Object.entries(env.services);
    const planned = planRoutes(httpRoutes(env.services, platform.hostOverride), platform.routePlacement);
    this.routes = Object.fromEntries(planned.map((r) => [r.service, r]));

    this.services = Object.fromEntries(
      entries.map(([name, s]) => {
        const route = this.routes[name];
        // A collector sidecar scrapes the service's Prometheus endpoint (when the platform has a workspace).
        const scraping = s.metrics && platform.metrics ? prometheusScraping(platform.metrics, { job: name, port: s.metrics.port, path: s.metrics.path }) : undefined;
        const service = new FargateService(stack, `${name}-service`, {
          lifecycle,
          region: env.aws.region,
          names,
          kind: s.kind,
          name,
          cluster: platform.cluster,
          subnetIds: platform.network.privateSubnetIds,
          securityGroupId: platform.appSecurityGroupId,
          alarms: platform.alarms,
          size: s.size,
          spotPercent: s.spotPercent ?? env.app.fargateSpotPercent,
          port: env.app.containerPort,
          requestTimeoutSeconds: env.app.requestTimeoutSeconds,
          task: {
            image: repository(platform, s.repository, `${env.name} service ${name}`),
            imageTag: props.imageTag,
            command: s.command,
            environment: { ...appEnvironment, ...s.environment },
            secrets: s.secrets,
            connections: [...database(s.database, name), ...(s.uploads === "read-write" ? [uploads.connection()] : []), ...(scraping ? [scraping.connection] : [])],
            sidecars: scraping ? [scraping.sidecar] : [],
            healthCheckTool: env.app.containerHealthCheck,
          },
          routing:
            s.kind === "http" && route
              ? // Host-bound routing: every rule matches its environment's host, so a request for another
                // host (a preview's, with a stale origin secret; an unknown one) falls to the ALB's
                // default 403, never to this environment's app. Priorities stay as planned.
                { loadBalancer: platform.loadBalancer, pathPatterns: s.route.paths, hosts: route.hosts ?? [env.hostnames.app], healthCheckPath: s.healthCheckPath, priority: route.priority }
              : undefined,
          scaling: s.kind === "worker" ? workerScaling(s, queues) : undefined,
        });
        // SLO burn-rate alarms for every HTTP service: no code per service (docs/observability.md).
        const targetGroup = service.resources.targetGroup;
        if (targetGroup)
          new SloAlarms(stack, `${name}-slo`, {
            names,
            service: name,
            loadBalancerArnSuffix: platform.loadBalancer.arnSuffix,
            targetGroupArnSuffix: targetGroup.arnSuffix,
            ...sloOf(s, env.observability),
            actions: sloActions(env.observability.alerting, platform.alarms),
            runbook: SLO_RUNBOOK,
          });
        return [name, service];
      }),
    );

    const migrationService: ServiceConfig | undefined = env.services[env.app.migration.service];
    if (!migrationService) throw new Error(`${env.name}.app.migration.service "${env.app.migration.service}" is not a declared service; use one of ${Object.keys(env.services).join(", ")}`);
    this.migrationTask = new FargateTask(stack, "migrate", {
      lifecycle,
      region: env.aws.region,
      names,
      name: "migrate",
      image: repository(platform, migrationService.repository, `${env.name} migration task`),
      imageTag: props.migrationImageTag,
      cpu: migrationService.size.cpu,
      memoryMiB: migrationService.size.memoryMiB,
      command: env.app.migration.command,
      environment: appEnvironment,
      // run-task starts it in the app security group (docs/runbook.md); the database admits that group.
      securityGroupId: platform.appSecurityGroupId,
      connections: database("migration", "migration"),
    });

    // Cron: jobs are data (env.cron.jobs); each runs where its `environments` lists this one.
    const cronWhere = env.preview ? "preview" : (env.name as "prod" | "staging");
    const jobs = env.cron.jobs.filter((job) => job.environments.includes(cronWhere));
    const cronGroup = jobs.length ? new ScheduleGroup(stack, "cron", { names, alarms: platform.alarms }) : undefined;
    this.scheduledTasks = cronGroup
      ? jobs.map((job) => new ScheduledTask(stack, `cron-${job.name}`, {
          lifecycle,
          accountId: env.aws.accountId,
          region: env.aws.region,
          names,
          job,
          maintenance: env.cron.maintenance,
          description: `${job.name}: ${job.command.join(" ")} (timeout ${job.timeoutSeconds}s, database ${job.database})`,
          spotPercent: env.app.fargateSpotPercent,
          group: cronGroup,
          cluster: platform.cluster,
          image: repository(platform, jobRepository(job), `${env.name} cron job ${job.name}`),
          imageTag: props.imageTag,
          subnetIds: platform.network.privateSubnetIds,
          securityGroupId: platform.appSecurityGroupId,
          // Replica by default: a read job gets no primary host at all.
          connections: database(job.database, `cron-${job.name}`),
          environment: appEnvironment,
          alarms: platform.alarms,
        }))
      : [];
    this.modeledRolloutSeconds = Math.max(0, ...Object.values(this.services).map((s) => s.modeledRolloutSeconds));
  }
}

/** Where an SLO alarm's description sends the reader. */
export const SLO_RUNBOOK = "docs/observability.md#slo-burn-rate-alarms";

/** A service's SLO: its own declaration where it has one, else the environment's. */
export function sloOf(s: ServiceConfig, o: EnvironmentConfig["observability"]): { availability: { targetPercent: number }; latency?: { thresholdMs: number; targetPercent: number } } {
  const own = s.kind === "http" ? s.slo : undefined;
  const latency = own?.latency === "none" ? undefined : (own?.latency ?? o.latency);
  return {
    availability: { targetPercent: own?.availabilityPercent ?? o.availabilityPercent },
    latency: latency ? { thresholdMs: latency.thresholdMs, targetPercent: latency.percent } : undefined,
  };
}

/** Where SLO alerts go: `page` watches fast and slow burns, `notify` fast burns only, `off` (or no alarm topic) nothing. */
export function sloActions(alerting: EnvironmentConfig["observability"]["alerting"], alarms: Platform["alarms"]): SloActions | "off" {
  if (alerting === "off" || alarms === "off") return "off";
  return alerting === "page" ? { page: [alarms.topicArn], ticket: [alarms.topicArn] } : { page: [alarms.topicArn] };
}

function repository(platform: Platform, name: string, user: string) {
  const repo = platform.repositories[name];
  if (!repo) throw new Error(`${user} names repository "${name}", which the platform does not have; use one of ${Object.keys(platform.repositories).join(", ")}`);
  return repo;
}

function workerScaling(s: Extract<ServiceConfig, { kind: "worker" }>, queues: Readonly<Record<string, string>>): ServiceScaling {
  const scaling = s.scaling ?? { on: "cpu" };
  return scaling.on === "cpu" ? { on: "cpu", targetPercent: scaling.targetPercent } : { on: "queue-backlog", queueName: queues[scaling.queue]!, targetMessagesPerTask: scaling.targetMessagesPerTask };
}
