import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Names } from "../core/naming";

const GIB = 1024 ** 3;

/** Memory per vCPU-pair step, by instance family letter: t/m 8 GiB per "large", r 16, x 32. */
const LARGE_MEMORY_GIB: Readonly<Record<string, number>> = { t: 8, m: 8, r: 16, x: 32 };
const BURSTABLE_SMALL_GIB: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4 };

/**
 * Approximate memory of an RDS instance class in GiB, from its name (no API lookup: plans run
 * offline). `undefined` for classes the table does not know; alarms then use fixed thresholds.
 */
export function instanceMemoryGiB(instanceClass: string): number | undefined {
  const m = /^db\.([a-z])[a-z0-9]*\.(micro|small|medium|large|xlarge|([0-9]{1,2})xlarge)$/.exec(instanceClass);
  if (!m) return undefined;
  const [, family, size, multiple] = m;
  if (size && size in BURSTABLE_SMALL_GIB) return family === "t" ? BURSTABLE_SMALL_GIB[size] : undefined;
  const large = LARGE_MEMORY_GIB[family!];
  if (!large) return undefined;
  if (size === "large") return large;
  return large * 2 * (multiple ? Number(multiple) : 1);
}

/** RDS for PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function defaultMaxConnections(memoryGiB: number): number {
  return Math.min(Math.floor((memoryGiB * GIB) / 9531392), 5000);
}

export interface DatabaseAlarmsProps {
  /** Naming helper of the stack. */
  readonly names: Names;
  /** SNS topic alarms (and their recovery) publish to. */
  readonly alarmTopicArn: string;
  /** Identifier of the primary instance. */
  readonly primaryIdentifier: string;
  /** Identifiers of the read replicas (each gets lag, CPU and storage alarms). @default [] */
  readonly replicaIdentifiers?: readonly string[];
  /** Instance class: sizes the memory and connection thresholds. */
  readonly instanceClass: string;
  /** Allocated storage in GiB: the free-storage alarm fires below 10% of it. */
  readonly allocatedStorageGiB: number;
  /** CPU alarm threshold, percent, sustained 15 minutes. @default 80 */
  readonly cpuPercent?: number;
  /** Replica lag alarm threshold in seconds, sustained 10 minutes. @default 60 */
  readonly replicaLagSeconds?: number;
  /** Read/write latency threshold in milliseconds (average, sustained 15 minutes). @default 20 */
  readonly latencyMs?: number;
}

/**
 * Symptom alarms for a Postgres primary and its replicas, all to the environment's alarm topic:
 * CPU, free storage (10% of allocated: storage autoscaling normally fires first, so this means it
 * hit its ceiling or its 6-hour cooldown), freeable memory (10% of the class's memory), connections
 * (80% of the default max_connections of the class), read/write latency, transaction ID age (vacuum
 * held back, e.g. by long replica reads under hot_standby_feedback) and replica lag.
 *
 * Built by PostgresDatabase; use directly only for an instance built elsewhere.
 * Cost: $0.10 per alarm-month (about $1 for prod). Tested via: test/constructs/postgres-database.test.ts
 */
export class DatabaseAlarms extends Construct {
  readonly resources: { readonly alarms: readonly CloudwatchMetricAlarm[] };

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    const { names } = props;
    const cfg = { cpuPercent: 80, replicaLagSeconds: 60, latencyMs: 20, replicaIdentifiers: [] as readonly string[], ...props };
    const memoryGiB = instanceMemoryGiB(cfg.instanceClass);
    const alarms: CloudwatchMetricAlarm[] = [];
    const alarm = (alarmId: string, instance: string, o: { metric: string; op: "GreaterThanThreshold" | "LessThanThreshold"; threshold: number; periods: number; stat?: "Average" | "Maximum" | "Minimum"; what: string }) =>
      alarms.push(
        new CloudwatchMetricAlarm(this, alarmId, {
          alarmName: names.of(`db-${alarmId}`),
          alarmDescription: `${o.what}. Runbook: docs/database.md#alarms-and-what-they-mean`,
          namespace: "AWS/RDS",
          metricName: o.metric,
          dimensions: { DBInstanceIdentifier: instance },
          statistic: o.stat ?? "Average",
          period: 300,
          evaluationPeriods: o.periods,
          threshold: o.threshold,
          comparisonOperator: o.op,
          treatMissingData: "missing",
          alarmActions: [cfg.alarmTopicArn],
          okActions: [cfg.alarmTopicArn],
        }),
      );

    const perInstance = (prefix: string, instance: string) => {
      alarm(`${prefix}-cpu`, instance, { metric: "CPUUtilization", op: "GreaterThanThreshold", threshold: cfg.cpuPercent, periods: 3, what: `CPU above ${cfg.cpuPercent}% for 15 minutes: look for slow queries in Performance Insights, then scale the class` });
      alarm(`${prefix}-free-storage`, instance, { metric: "FreeStorageSpace", op: "LessThanThreshold", threshold: Math.round(cfg.allocatedStorageGiB * 0.1 * GIB), periods: 3, stat: "Minimum", what: `Free storage below 10% of ${cfg.allocatedStorageGiB} GiB: storage autoscaling reached its ceiling or is cooling down; raise maxAllocatedStorageGiB` });
      if (memoryGiB !== undefined)
        alarm(`${prefix}-freeable-memory`, instance, { metric: "FreeableMemory", op: "LessThanThreshold", threshold: Math.round(memoryGiB * 0.1 * GIB), periods: 3, stat: "Minimum", what: `Freeable memory below 10% of ${memoryGiB} GiB for 15 minutes: too many connections or work_mem too high` });
      if (memoryGiB !== undefined) {
        const limit = Math.floor(defaultMaxConnections(memoryGiB) * 0.8);
        alarm(`${prefix}-connections`, instance, { metric: "DatabaseConnections", op: "GreaterThanThreshold", threshold: limit, periods: 2, stat: "Maximum", what: `Connections above ${limit} (80% of max_connections): check pool sizes per task x task count` });
      }
    };

    perInstance("primary", cfg.primaryIdentifier);
    for (const [metric, name] of [["ReadLatency", "read"], ["WriteLatency", "write"]] as const)
      alarm(`primary-${name}-latency`, cfg.primaryIdentifier, { metric, op: "GreaterThanThreshold", threshold: cfg.latencyMs / 1000, periods: 3, what: `${name} latency above ${cfg.latencyMs} ms for 15 minutes: storage throughput or IOPS limit` });
    // Vacuum held back (a long replica query under hot_standby_feedback, an idle transaction, a
    // stale replication slot) shows first as dead rows, then as transaction ID age; past ~2 billion
    // PostgreSQL stops accepting writes. 1 billion leaves weeks to act.
    alarm("primary-transaction-id-age", cfg.primaryIdentifier, { metric: "MaximumUsedTransactionIDs", op: "GreaterThanThreshold", threshold: 1_000_000_000, periods: 2, stat: "Maximum", what: "Transaction ID age above 1 billion: vacuum cannot freeze rows; find what holds the xmin horizon (long replica queries with hot_standby_feedback, idle transactions, replication slots) in docs/database.md" });
    cfg.replicaIdentifiers.forEach((replica, i) => {
      perInstance(`replica-${i}`, replica);
      alarm(`replica-${i}-lag`, replica, { metric: "ReplicaLag", op: "GreaterThanThreshold", threshold: cfg.replicaLagSeconds, periods: 2, stat: "Maximum", what: `Replica lag above ${cfg.replicaLagSeconds} s for 10 minutes: reports read stale data; check long queries on the replica and write volume on the primary` });
    });
    this.resources = { alarms };
  }
}
