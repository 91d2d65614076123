import type { ClusterAttributes } from "../lib/compute/ecs-cluster";
import type { ImageSource } from "../lib/compute/container-repository";
import type { LoadBalancerAttachment } from "../lib/compute/load-balancer";
import type { RoutePlacement } from "../lib/compute/route-plan";
import type { DbEndpoints } from "../lib/data/database-connection";
import type { NetworkAttributes } from "../lib/network/network";
import type { AlertTarget } from "../lib/observability/alarm-topic";
import type { MetricsTarget } from "../lib/observability/prometheus-metrics";

/**
 * What workloads (services, the migration task, cron jobs) run on. Two implementations:
 * - OwnedPlatform (prod, staging): creates the network, ALB, cluster, repositories, database and
 *   alarm topic, and publishes them for previews;
 * - BorrowedPlatform (pr-<n>): reads the same from its base environment's state and adds only a
 *   security group and its logical database.
 * Workloads never ask which one they got.
 */
export interface Platform {
  /** VPC and subnets; tasks run in the private subnets. */
  readonly network: NetworkAttributes;
  /** Security group of this environment's app tasks (the database admits it). */
  readonly appSecurityGroupId: string;
  /** SNS topic alarms publish to. */
  readonly alarmTopicArn: string;
  /** Where workload alarms go: the topic, or `off` (previews: their noise would page staging). */
  readonly alarms: AlertTarget | "off";
  /** Where services with `metrics` remote-write (the environment's Prometheus workspace). @default none (previews: not scraped) */
  readonly metrics?: MetricsTarget;
  /** ECS cluster the tasks run in. */
  readonly cluster: ClusterAttributes;
  /** The HTTPS listener HTTP services attach their rules to. */
  readonly loadBalancer: LoadBalancerAttachment;
  /** How listener priorities are placed: the listener's owner, or a preview's block on a borrowed listener. */
  readonly routePlacement: RoutePlacement;
  /** Host every HTTP service answers on when the listener is borrowed (the preview's hostname). @default each service's own hosts */
  readonly hostOverride?: string;
  /** Image repositories by name (the ones the environment's services and jobs name). */
  readonly repositories: Readonly<Record<string, ImageSource>>;
  /** Database endpoints (a preview's: its own logical database on the base's instance). */
  readonly database: DbEndpoints;
}
