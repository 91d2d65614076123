/**
 * Environment configuration types, derived from the zod schemas (schema.ts, service-schema.ts):
 * each field, its allowed values and its documentation are written once, there. No values live
 * here: see prod.ts, staging.ts, services.ts and ephemeral.ts.
 */
import type { z } from "zod";
import type { DeepReadonly } from "./deep-readonly";
import type { cronJobSchema, environmentObjectSchema } from "./schema";

export type { EnvName } from "./schema";
export type { DeepReadonly } from "./deep-readonly";
export type { ServiceSizeConfig as ServiceSize, ServiceConfig, HttpServiceConfig, WorkerServiceConfig, ServicesConfig, ServiceOverride } from "./service-schema";
export type { SafetyTier } from "../lib/core/lifecycle";
export type { NatMode } from "../lib/network/network";
export type { CloudflarePlan } from "../lib/edge/edge-plan-limits";
export type { FargateCpu } from "../lib/compute/fargate-sizes";
export type { ContainerHealthCheck } from "../lib/compute/fargate-task";
export type { ScheduleExpression } from "../lib/compute/scheduled-task";

/** Everything that distinguishes one environment from another (schema.ts `environmentObjectSchema`). */
export type EnvironmentConfig = DeepReadonly<z.infer<typeof environmentObjectSchema>>;
/** AWS account, region, AZs, deploy role and state bucket. */
export type AwsTarget = EnvironmentConfig["aws"];
/** VPC CIDR and NAT mode. */
export type NetworkConfig = EnvironmentConfig["network"];
/** The app's hostname and the ones that redirect to it. */
export type Hostnames = EnvironmentConfig["hostnames"];
/** Cloudflare zone and plan. */
export type CloudflareConfig = EnvironmentConfig["cloudflare"];
/** The environment's Postgres. */
export type DatabaseConfig = EnvironmentConfig["database"];
/** How the app runs and is served. */
export type AppConfig = EnvironmentConfig["app"];
/** Scheduled jobs and the maintenance switch. */
export type CronConfig = EnvironmentConfig["cron"];
/** One scheduled job. */
export type CronJob = DeepReadonly<z.infer<typeof cronJobSchema>>;
/** Where a cron job runs: the two long-lived environments by name, every preview as `preview`. */
export type CronEnvironment = CronJob["environments"][number];
