import { Construct } from "constructs";
import { Annotations } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule, type SchedulerScheduleTargetEcsParameters } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { MAX_JOB_TIMEOUT_SECONDS, isTimeZone, jobNameProblem, scheduleIntervalSeconds, scheduleProblem } from "./schedule-expression";
import type { Lifecycle } from "../core/lifecycle";
import type { Connection } from "./connection";
import type { ImageSource } from "./container-repository";
import type { FargateCpu } from "./fargate-sizes";
import type { ClusterAttributes } from "./ecs-cluster";
import { ConfigError } from "../core/errors";
import { FargateTask } from "./fargate-task";
import type { Names } from "../core/naming";
import type { ScheduleGroupAttributes } from "./schedule-group";
import { alertEventTarget, type AlertTarget } from "../observability/alarm-topic";

/** An EventBridge Scheduler expression: `cron(<6 fields>)` or `rate(<n> <unit>)`. */
export type ScheduleExpression = `cron(${string})` | `rate(${string})`;

/** One scheduled job, as the library needs it (the app's cron config is a superset). */
export interface ScheduledJob {
  /** Kebab-case, 3–24 characters; part of every resource name (`<app>-<env>-cron-<name>`). */
  readonly name: string;
  /** When it runs, e.g. `cron(15 3 * * ? *)` or `rate(15 minutes)`. */
  readonly schedule: ScheduleExpression;
  /** IANA time zone the cron fields are read in. @default "UTC" */
  readonly timezone?: string;
  /** Command run in the image (wrapped by `timeout`). */
  readonly command: readonly string[];
  /** Fargate CPU units. @default 256 */
  readonly cpu?: FargateCpu;
  /** Memory in MiB, a pair Fargate accepts for `cpu`. @default 512 */
  readonly memoryMiB?: number;
  /** Longest a run may take (1–86400 s); then it is stopped and exits non-zero, which pages. */
  readonly timeoutSeconds: number;
  /** Scheduler retries of a failed start. @default { maximumAttempts: 3, maximumEventAgeSeconds: the interval, 60–3600 } */
  readonly retries?: { readonly maximumAttempts: number; readonly maximumEventAgeSeconds: number };
}

/** `event` of the success line (see successLine). */
export const SUCCESS_EVENT = "job.succeeded";

/** Metric the heartbeat counts: one per success line, dimension `Job`. */
export const SUCCESS_METRIC = "JobSucceeded";

/** Seconds `timeout` waits after SIGTERM before it sends SIGKILL. */
export const TIMEOUT_KILL_AFTER_SECONDS = 30;

/** Slack added to every heartbeat window on top of the job's timeout: task start-up, log delivery. */
export const HEARTBEAT_SLACK_SECONDS = 300;

/** Longest range CloudWatch evaluates: period × evaluation periods <= 7 days (1 day for periods under an hour). */
export const MAX_ALARM_RANGE_SECONDS = 604800;

/**
 * The success line, one JSON log line: `{"event":"job.succeeded","job":"<name>"}`. The wrapper prints
 * it after the command exits 0; the job's log group counts it into `<app>/<env>/cron JobSucceeded`.
 */
export function successLine(jobName: string): string {
  return JSON.stringify({ event: SUCCESS_EVENT, job: jobName });
}

/**
 * The container command of a job: `sh -c 'timeout -k 30 "$0" "$@" && echo <success line>' <timeoutSeconds> <command...>`.
 * The job's own arguments travel as positional parameters, so nothing is re-quoted by a shell.
 * After `timeoutSeconds` the command gets SIGTERM (SIGKILL 30 s later) and the task exits non-zero
 * (124 with GNU coreutils, 143 with BusyBox), which the failure rule reports. The image needs
 * `/bin/sh` and `timeout` (GNU coreutils, or BusyBox 1.35+ for `-k`).
 */
export function wrappedCommand(job: Pick<ScheduledJob, "name" | "command" | "timeoutSeconds">): string[] {
  const script = `timeout -k ${TIMEOUT_KILL_AFTER_SECONDS} "$0" "$@" && echo '${successLine(job.name)}'`;
  return ["sh", "-c", script, String(job.timeoutSeconds), ...job.command];
}

/** How the heartbeat alarm of a job looks at its success metric. */
export interface HeartbeatWindow {
  /** Longest gap between two scheduled runs, in seconds. */
  readonly intervalSeconds: number;
  /** Alarm period in seconds (300 while the window fits in a day, else 3600). */
  readonly periodSeconds: number;
  /** Periods that must all lack a success before the alarm fires (= datapoints to alarm). */
  readonly evaluationPeriods: number;
  /** periodSeconds × evaluationPeriods: silence this long pages. */
  readonly windowSeconds: number;
  /** True when interval + grace exceeded CloudWatch's 7-day maximum and the window was cut to it. */
  readonly capped: boolean;
}

/**
 * The heartbeat window of a schedule: the alarm fires after `interval + timeoutSeconds + 5 min`
 * (+1 h for daily-or-longer jobs in a DST zone) with no success line, rounded up to whole periods.
 * Periods: 300 s while that fits in one day (CloudWatch caps sub-hour periods at one day of range),
 * 3600 s up to 7 days, the most CloudWatch evaluates. Undefined for monthly and rarer schedules.
 *
 * | schedule (timeout)              | interval | period | periods | window |
 * |---------------------------------|----------|--------|---------|--------|
 * | rate(15 minutes) (300 s)        | 15 min   | 300 s  | 5       | 25 min |
 * | cron(5 * * * ? *) hourly (600 s)| 1 h      | 300 s  | 15      | 75 min |
 * | cron(15 3 * * ? *) daily (1 h)  | 24 h     | 3600 s | 26      | 26 h   |
 * | cron(0 4 ? * MON *) weekly      | 7 d      | 3600 s | 168     | 7 d (capped) |
 * | cron(0 4 1 * ? *) monthly       | —        | —      | —       | none   |
 */
export function heartbeatWindow(schedule: string, timeoutSeconds: number, timezone = "UTC"): HeartbeatWindow | undefined {
  const intervalSeconds = scheduleIntervalSeconds(schedule);
  if (intervalSeconds === undefined) return undefined;
  const dst = timezone !== "UTC" && intervalSeconds >= 86400 ? 3600 : 0;
  const wanted = intervalSeconds + timeoutSeconds + HEARTBEAT_SLACK_SECONDS + dst;
  const periodSeconds = wanted <= 86400 ? 300 : 3600;
  const evaluationPeriods = Math.min(Math.ceil(wanted / periodSeconds), MAX_ALARM_RANGE_SECONDS / 3600);
  return { intervalSeconds, periodSeconds, evaluationPeriods, windowSeconds: periodSeconds * evaluationPeriods, capped: wanted > MAX_ALARM_RANGE_SECONDS };
}

export interface ScheduledTaskProps {
  /** Safety tier of the task (log retention, ECS Exec). */
  readonly lifecycle: Lifecycle;
  /** AWS account id: the scheduler role's trust condition and the task-definition ARN it may run. */
  readonly accountId: string;
  /** AWS region of the cluster and logs. */
  readonly region: string;
  /** Naming helper of the stack. */
  readonly names: Names;
  /** The job. */
  readonly job: ScheduledJob;
  /** `on` disables the schedule and mutes the heartbeat alarm (maintenance mode). @default "off" */
  readonly maintenance?: "off" | "on";
  /** Schedule description. @default `<job>: <command> (timeout <n>s)` */
  readonly description?: string;
  /** The environment's schedule group and dead-letter queue. */
  readonly group: ScheduleGroupAttributes;
  /** Cluster the task runs in. */
  readonly cluster: ClusterAttributes;
  /** Repository of the image named by `job.image` (the backend's by default). */
  readonly image: ImageSource;
  /** Image tag (the git SHA, a Terraform variable): each deploy moves the schedule to a new task definition revision. */
  readonly imageTag: string;
  /** Private subnets the task runs in (no public IP). */
  readonly subnetIds: string[];
  /** Security group of the task (the app group: the database admits it). */
  readonly securityGroupId: string;
  /** Typed connections (the database: `databaseAccess(endpoints, "read", ...)` for the replica only). @default [] */
  readonly connections?: readonly Connection[];
  /** Plain app settings (APP_ENV, PUBLIC_URL, ...); CRON_JOB and JOB_TIMEOUT_SECONDS are added. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Topic for the failure rule and heartbeat, and the dead-letter queue the failure rule's target
   * sends undeliverable alerts to (AlarmTopic); `off` in previews (their noise would page staging).
   */
  readonly alarms: AlertTarget | "off";
  /** Share of runs on Fargate Spot (0–100); a reclaimed run fails and pages. @default 0 */
  readonly spotPercent?: number;
}

/**
 * One scheduled job: an EventBridge Scheduler schedule (flexible window off, in the job's time zone)
 * in the environment's group that runs a Fargate task (a FargateTask of the app image, its own
 * family `<app>-<env>-cron-<job>`) in the private subnets, with retries and a dead-letter queue.
 *
 * - **Maintenance switch**: `maintenance: "on"` sets the schedule DISABLED and mutes the
 *   heartbeat alarm's actions (docs/runbook.md "Maintenance mode").
 * - **Replica by default**: a `read` job gets `DATABASE_READ_*`, `PGHOST` = the reader and no
 *   primary host at all; a `write` job gets the primary (`DATABASE_HOST`, `PGHOST`).
 *   `PGAPPNAME` = `<app>-<env>-cron-<job>` so pg_stat_activity names the job.
 * - **Timeout**: the command is wrapped by `timeout` (wrappedCommand): after `timeoutSeconds` it is
 *   sent SIGTERM, SIGKILL 30 s later, and the task exits 124/143. ECS has no run-time limit of its
 *   own (`stopTimeout` only bounds shutdown). The image needs `/bin/sh` and `timeout`.
 * - **Failure rule**: EventBridge `ECS Task State Change` STOPPED for this family with a non-zero
 *   exit code (or failed to start) → the alarm topic, with a readable message.
 * - **Dead-man heartbeat**: a metric filter counts the success line (successLine) into
 *   `<app>/<env>/cron` `JobSucceeded{Job}`; an alarm fires when none arrives within the window
 *   derived from the schedule (heartbeatWindow), missing data breaching. It fires once after the
 *   first deploy until the first run succeeds.
 * - **Scheduler role**: trusted by scheduler.amazonaws.com of this account only; ecs:RunTask on this
 *   family in this cluster, iam:PassRole on exactly the task and execution roles (to ECS tasks),
 *   ecs:TagResource on RunTask-created tasks (tag propagation), sqs:SendMessage to the DLQ.
 *
 * @example new ScheduledTask(this, "cron-nightly-report", { lifecycle, accountId, region, names, job, group, cluster, image, imageTag, subnetIds, securityGroupId, connections: [databaseAccess(db, "read", "shipkit-prod-cron-nightly-report")], alarms });
 * Cost: a 0.25 vCPU / 0.5 GB task for 5 minutes ≈ $0.001 per run; 1–2 alarms at $0.10/month each.
 * Tested via: test/constructs/scheduled-task.test.ts
 */
export class ScheduledTask extends Construct {
  readonly task: FargateTask;
  /** Schedule name inside the group. */
  readonly scheduleName: string;
  /** Heartbeat window; undefined for monthly and rarer schedules (no heartbeat alarm). */
  readonly heartbeat?: HeartbeatWindow;
  readonly resources: {
    readonly schedule: SchedulerSchedule;
    readonly schedulerRole: IamRole;
    readonly successFilter: CloudwatchLogMetricFilter;
    readonly failureRule?: CloudwatchEventRule;
    readonly heartbeatAlarm?: CloudwatchMetricAlarm;
  };

  constructor(scope: Construct, id: string, props: ScheduledTaskProps) {
    super(scope, id);
    const { names, job } = props;
    const cfg = {
      timezone: job.timezone ?? "UTC",
      cpu: job.cpu ?? 256,
      memoryMiB: job.memoryMiB ?? 512,
      spotPercent: props.spotPercent ?? 0,
      maintenance: props.maintenance ?? "off",
    };
    const nameProblem = jobNameProblem(job.name);
    if (nameProblem) throw new ConfigError(this, "job.name", `${JSON.stringify(job.name)} ${nameProblem}`);
    const scheduleIssue = scheduleProblem(job.schedule);
    if (scheduleIssue) throw new ConfigError(this, "job.schedule", `${JSON.stringify(job.schedule)} ${scheduleIssue}`);
    if (!isTimeZone(cfg.timezone)) throw new ConfigError(this, "job.timezone", `${JSON.stringify(cfg.timezone)} is not an IANA time zone; use e.g. UTC or Europe/Berlin`);
    if (!Number.isInteger(job.timeoutSeconds) || job.timeoutSeconds < 1 || job.timeoutSeconds > MAX_JOB_TIMEOUT_SECONDS)
      throw new ConfigError(this, "job.timeoutSeconds", `${job.timeoutSeconds} must be a whole number of seconds from 1 to ${MAX_JOB_TIMEOUT_SECONDS}`);
    if (cfg.spotPercent < 0 || cfg.spotPercent > 100) throw new ConfigError(this, "spotPercent", `${cfg.spotPercent} must be 0–100`);
    const interval = scheduleIntervalSeconds(job.schedule);
    const retries = {
      maximumAttempts: job.retries?.maximumAttempts ?? 3,
      // Retrying a start past the next run only piles runs up: the interval, within Scheduler's 60–3600 s.
      maximumEventAgeSeconds: job.retries?.maximumEventAgeSeconds ?? Math.min(3600, Math.max(60, interval ?? 3600)),
    };

    const part = `cron-${job.name}`;
    this.task = new FargateTask(this, "task", {
      lifecycle: props.lifecycle,
      region: props.region,
      securityGroupId: props.securityGroupId,
      // The job's own variables come last, after the connections' (database) settings.
      connections: [...(props.connections ?? []), { environment: { CRON_JOB: job.name, JOB_TIMEOUT_SECONDS: String(job.timeoutSeconds) } }],
      names,
      name: part,
      image: props.image,
      imageTag: props.imageTag,
      cpu: cfg.cpu,
      memoryMiB: cfg.memoryMiB,
      command: wrappedCommand(job),
      environment: props.environment,
    });
    const family = this.task.family;
    const { accountId: account, region } = props;
    // RunTask is authorised on the task definition; `:*` admits every revision of this family only.
    const familyArn = `arn:aws:ecs:${region}:${account}:task-definition/${family}`;

    const assume = new DataAwsIamPolicyDocument(this, "scheduler-assume", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
        },
      ],
    });
    const schedulerRole = new IamRole(this, "scheduler-role", { name: names.of(`${part}-sched`, { max: 64 }), assumeRolePolicy: assume.json });
    const policy = new DataAwsIamPolicyDocument(this, "scheduler-policy", {
      statement: [
        {
          sid: "RunThisJob",
          actions: ["ecs:RunTask"],
          resources: [`${familyArn}:*`],
          condition: [{ test: "ArnEquals", variable: "ecs:cluster", values: [props.cluster.clusterArn] }],
        },
        {
          sid: "PassThisJobsRoles",
          actions: ["iam:PassRole"],
          resources: [this.task.taskRole.arn, this.task.executionRole.arn],
          condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ecs-tasks.amazonaws.com"] }],
        },
        {
          // ECS authorises tags on the task RunTask creates (propagated from the task definition).
          sid: "TagTasksItStarts",
          actions: ["ecs:TagResource"],
          resources: [`arn:aws:ecs:${region}:${account}:task/${props.cluster.clusterName}/*`],
          condition: [{ test: "StringEquals", variable: "ecs:CreateAction", values: ["RunTask"] }],
        },
        { sid: "DeadLetter", actions: ["sqs:SendMessage"], resources: [props.group.deadLetterQueueArn] },
      ],
    });
    const schedulerPolicy = new IamRolePolicy(this, "scheduler-inline", { role: schedulerRole.id, policy: policy.json });

    const spot = cfg.spotPercent;
    const placement: Partial<SchedulerScheduleTargetEcsParameters> =
      spot === 0
        ? { launchType: "FARGATE" }
        : { capacityProviderStrategy: spot === 100 ? [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] : [{ capacityProvider: "FARGATE", weight: 100 - spot }, { capacityProvider: "FARGATE_SPOT", weight: spot }] };
    this.scheduleName = names.of(part, { max: 64 });
    const schedule = new SchedulerSchedule(this, "schedule", {
      name: this.scheduleName,
      groupName: props.group.groupName,
      description: props.description ?? `${job.name}: ${job.command.join(" ")} (timeout ${job.timeoutSeconds}s)`,
      scheduleExpression: job.schedule,
      scheduleExpressionTimezone: cfg.timezone,
      flexibleTimeWindow: { mode: "OFF" },
      state: cfg.maintenance === "on" ? "DISABLED" : "ENABLED",
      target: {
        arn: props.cluster.clusterArn,
        roleArn: schedulerRole.arn,
        ecsParameters: {
          taskDefinitionArn: this.task.taskDefinitionArn,
          taskCount: 1,
          ...placement,
          platformVersion: "LATEST",
          networkConfiguration: { subnets: props.subnetIds, securityGroups: [props.securityGroupId], assignPublicIp: false },
          enableEcsManagedTags: true,
          propagateTags: "TASK_DEFINITION",
        },
        retryPolicy: { maximumRetryAttempts: retries.maximumAttempts, maximumEventAgeInSeconds: retries.maximumEventAgeSeconds },
        deadLetterConfig: { arn: props.group.deadLetterQueueArn },
      },
      dependsOn: [schedulerPolicy],
    });

    const namespace = `${names.appName}/${names.envName}/cron`;
    const successFilter = new CloudwatchLogMetricFilter(this, "success-filter", {
      name: names.of(`${part}-succeeded`),
      logGroupName: this.task.logGroupName,
      pattern: `{ ($.event = "${SUCCESS_EVENT}") && ($.job = "${job.name}") }`,
      metricTransformation: { name: SUCCESS_METRIC, namespace, value: "1", unit: "Count", dimensions: { Job: "$.job" } },
    });

    let failureRule: CloudwatchEventRule | undefined;
    let heartbeatAlarm: CloudwatchMetricAlarm | undefined;
    this.heartbeat = heartbeatWindow(job.schedule, job.timeoutSeconds, cfg.timezone);
    if (props.alarms !== "off") {
      const topicArn = props.alarms.topicArn;
      failureRule = new CloudwatchEventRule(this, "failure-rule", {
        name: names.of(`${part}-failed`, { max: 64 }),
        description: `${job.name} of ${names.envName} stopped with a non-zero exit code or failed to start`,
        eventPattern: JSON.stringify(failureEventPattern(familyArn)),
      });
      alertEventTarget(this, "failure-to-topic", failureRule, props.alarms, {
        inputPaths: { task: "$.detail.taskArn", stopCode: "$.detail.stopCode", reason: "$.detail.stoppedReason", exitCode: "$.detail.containers[0].exitCode" },
        inputTemplate: `"${names.envName} cron job ${job.name} failed: task <task> stopped (<stopCode>) with exit code <exitCode> (124 or 143 = killed after the ${job.timeoutSeconds}s timeout): <reason>. Logs: ${names.logGroup(part)}. Runbook: docs/runbook.md#cron"`,
      });
      const hb = this.heartbeat;
      if (!hb) {
        Annotations.of(this).addWarning(`${job.name}: ${job.schedule} runs monthly or less often; CloudWatch cannot watch more than 7 days, so this job has no heartbeat alarm (the failure rule still pages)`);
      } else {
        if (hb.capped) Annotations.of(this).addWarning(`${job.name}: heartbeat window capped at 7 days (CloudWatch's maximum); a run ending later than the previous one may page briefly`);
        heartbeatAlarm = new CloudwatchMetricAlarm(this, "heartbeat", {
          alarmName: names.of(`${part}-heartbeat`),
          alarmDescription: `No successful run of ${job.name} (${job.schedule} ${cfg.timezone}) in ${hb.windowSeconds / 60} minutes: check ${names.logGroup(part)}. Runbook: docs/runbook.md#cron`,
          namespace,
          metricName: SUCCESS_METRIC,
          dimensions: { Job: job.name },
          statistic: "Sum",
          period: hb.periodSeconds,
          evaluationPeriods: hb.evaluationPeriods,
          datapointsToAlarm: hb.evaluationPeriods,
          threshold: 1,
          comparisonOperator: "LessThanThreshold",
          // Silence is the failure a dead-man switch exists for.
          treatMissingData: "breaching",
          // In maintenance the schedule is off: silence is expected, so the alarm must not page.
          actionsEnabled: cfg.maintenance === "off",
          alarmActions: [topicArn],
          okActions: [topicArn],
        });
      }
    }
    this.resources = { schedule, schedulerRole, successFilter, failureRule, heartbeatAlarm };
  }
}

/**
 * EventBridge pattern for a failed run of one task family: STOPPED with any container exit code
 * other than 0, or failed to start (no exit code then: image pull, secrets, capacity).
 */
export function failureEventPattern(familyArn: string): Record<string, unknown> {
  return {
    source: ["aws.ecs"],
    "detail-type": ["ECS Task State Change"],
    detail: {
      lastStatus: ["STOPPED"],
      // The trailing ":" keeps family "cron-a" from matching "cron-ab".
      taskDefinitionArn: [{ prefix: `${familyArn}:` }],
      $or: [{ containers: { exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
    },
  };
}
