import { spawnSync } from "node:child_process";
import { Testing } from "cdktf";
import { Names } from "../../lib/core/naming";
import { ScheduleGroup } from "../../lib/compute/schedule-group";
import { ScheduledTask, heartbeatWindow, successLine, wrappedCommand, type ScheduledTaskProps } from "../../lib/compute/scheduled-task";
import { ephemeral, prod, staging } from "../../environments";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { APP_DATABASE_USERS } from "../../lib/data/database-roles";
import { databaseAccess } from "../../lib/data/database-access";
import type { CronJob, EnvironmentConfig } from "../../environments/types";
import { resources, synthEnv, withEnv, type SynthJson } from "../helpers";

const TOPIC = "arn:aws:sns:us-east-1:111111111111:shipkit-prod-alarms";
const PRIMARY = { host: "primary.db.internal", port: 5432, databaseName: "app", connectArnPrefix: "arn:aws:rds-db:us-east-1:111111111111:dbuser:db-PRIMARY", securityGroupId: "sg-db" };
const READER = { ...PRIMARY, host: "replica.db.internal", connectArnPrefix: "arn:aws:rds-db:us-east-1:111111111111:dbuser:db-REPLICA" };
const ENDPOINTS = { users: APP_DATABASE_USERS, region: "us-east-1" };

const job = (extra: Partial<CronJob> = {}): CronJob => ({
  name: "nightly-report",
  schedule: "cron(15 3 * * ? *)",
  command: ["npm", "run", "report"],
  timeoutSeconds: 3600,
  database: "read",
  environments: ["prod", "staging"],
  ...extra,
});

function synthJobs(env: EnvironmentConfig, jobs: readonly CronJob[], extra: Partial<ScheduledTaskProps> = {}): SynthJson {
  return JSON.parse(
    Testing.synthScope((s) => {
      const names = new Names(env.appName, env.name);
      const alarms = { topicArn: TOPIC, deadLetterArn: "arn:aws:sqs:us-east-1:111111111111:shipkit-prod-undelivered-alerts" };
      const group = new ScheduleGroup(s, "cron", { names, alarms });
      for (const j of jobs)
        new ScheduledTask(s, `cron-${j.name}`, {
          // What the environment stack passes (stacks/workloads.ts), from the environment's data.
          lifecycle: lifecycleOf(env.safetyTier),
          accountId: env.aws.accountId,
          region: env.aws.region,
          maintenance: env.cron.maintenance,
          spotPercent: env.app.fargateSpotPercent,
          names,
          job: j,
          group,
          cluster: { clusterName: "shipkit-prod-cluster", clusterArn: "arn:aws:ecs:us-east-1:111111111111:cluster/shipkit-prod-cluster" },
          image: { repositoryUrl: "111111111111.dkr.ecr.us-east-1.amazonaws.com/backend", repositoryArn: "arn:aws:ecr:us-east-1:111111111111:repository/backend" },
          imageTag: "abc123",
          subnetIds: ["subnet-a", "subnet-b"],
          securityGroupId: "sg-app",
          connections: [databaseAccess({ ...ENDPOINTS, primary: PRIMARY, reader: READER }, j.database, `${names.prefix}-cron-${j.name}`)],
          environment: { APP_ENV: env.name },
          alarms,
          ...extra,
        });
    }),
  ) as SynthJson;
}

/**
 * The container of a job's task definition. FargateTask renders it as Terraform `${jsonencode([...])}`;
 * with literal values (as here) its command, environment and secrets lists are JSON once `" = ` is `": `.
 */
const containerOf = (json: SynthJson, family: string): { command: string[]; environment: { name: string; value: string }[]; secrets: { name: string }[] } => {
  const text = String(resources(json, "aws_ecs_task_definition").find((t) => t.family === family)!.container_definitions);
  const m = /"command" = (\[.*?\]), "environment" = (\[.*?\]), "secrets" = (\[.*?\]), "logConfiguration"/.exec(text);
  if (!m) throw new Error(`unexpected container definition: ${text}`);
  const list = (hcl: string) => JSON.parse(hcl.replace(/" = /g, '": '));
  return { command: list(m[1]!), environment: list(m[2]!), secrets: list(m[3]!) };
};
const envOf = (c: { environment: { name: string; value: string }[] }) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
const policyOf = (json: SynthJson, id: string) => Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.includes(id))![1] as { statement: Record<string, unknown>[] };

describe("ScheduledTask: schedule, retries and dead-letter queue", () => {
  const json = synthJobs(prod, [job()]);

  test("one group per environment; the schedule runs the job's task on Fargate in private subnets, flexible window off", () => {
    expect(resources(json, "aws_scheduler_schedule_group")).toEqual([expect.objectContaining({ name: "shipkit-prod-cron" })]);
    const [schedule] = resources(json, "aws_scheduler_schedule");
    expect(schedule).toMatchObject({
      name: "shipkit-prod-cron-nightly-report",
      schedule_expression: "cron(15 3 * * ? *)",
      schedule_expression_timezone: "UTC",
      flexible_time_window: { mode: "OFF" },
      state: "ENABLED",
      target: expect.objectContaining({
        arn: "arn:aws:ecs:us-east-1:111111111111:cluster/shipkit-prod-cluster",
        ecs_parameters: expect.objectContaining({
          launch_type: "FARGATE",
          platform_version: "LATEST",
          propagate_tags: "TASK_DEFINITION",
          task_count: 1,
          network_configuration: { subnets: ["subnet-a", "subnet-b"], security_groups: ["sg-app"], assign_public_ip: false },
        }),
      }),
    });
    expect(String((schedule!.target as Record<string, Record<string, unknown>>).ecs_parameters!.task_definition_arn)).toMatch(/^\$\{aws_ecs_task_definition\.cron-nightly-report_task_.*\.arn\}$/);
    expect(String(schedule!.group_name)).toContain("aws_scheduler_schedule_group.");
  });

  test("retry policy from the job, defaults otherwise; undeliverable runs go to the encrypted DLQ", () => {
    const [defaults] = resources(json, "aws_scheduler_schedule");
    const target = defaults!.target as Record<string, Record<string, unknown>>;
    // Default: 3 attempts, event age = the interval capped at 1 h.
    expect(target.retry_policy).toEqual({ maximum_retry_attempts: 3, maximum_event_age_in_seconds: 3600 });
    expect(String(target.dead_letter_config!.arn)).toMatch(/^\$\{aws_sqs_queue\.cron_dead-letter_.*\.arn\}$/);
    expect(resources(json, "aws_sqs_queue")).toEqual([expect.objectContaining({ name: "shipkit-prod-cron-dlq", sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 })]);

    const custom = synthJobs(prod, [job({ retries: { maximumAttempts: 5, maximumEventAgeSeconds: 600 } })]);
    expect((resources(custom, "aws_scheduler_schedule")[0]!.target as Record<string, unknown>).retry_policy).toEqual({ maximum_retry_attempts: 5, maximum_event_age_in_seconds: 600 });
  });

  test("the DLQ pages on its first message", () => {
    const alarm = resources(json, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "shipkit-prod-cron-dlq-not-empty");
    expect(alarm).toMatchObject({ namespace: "AWS/SQS", metric_name: "ApproximateNumberOfMessagesVisible", threshold: 0, comparison_operator: "GreaterThanThreshold", alarm_actions: [TOPIC] });
    expect(String((alarm!.dimensions as Record<string, string>).QueueName)).toContain("aws_sqs_queue.cron_dead-letter");
  });

  test("Spot share follows the environment: a capacity provider strategy instead of a launch type", () => {
    const ecs = (resources(synthJobs(staging, [job()]), "aws_scheduler_schedule")[0]!.target as Record<string, Record<string, unknown>>).ecs_parameters!;
    expect(ecs.launch_type).toBeUndefined();
    expect(ecs.capacity_provider_strategy).toEqual([{ capacity_provider: "FARGATE", weight: 50 }, { capacity_provider: "FARGATE_SPOT", weight: 50 }]);
  });

  test("the job's time zone is the schedule's", () => {
    const [schedule] = resources(synthJobs(prod, [job({ timezone: "Europe/Berlin" })]), "aws_scheduler_schedule");
    expect(schedule!.schedule_expression_timezone).toBe("Europe/Berlin");
  });
});

describe("ScheduledTask: maintenance switch", () => {
  test('maintenance "on" disables every schedule and mutes the heartbeats; "off" enables them', () => {
    const jobs = [job(), job({ name: "purge-expired-sessions", schedule: "cron(5 * * * ? *)", database: "write", timeoutSeconds: 600 }), job({ name: "heartbeat", schedule: "rate(15 minutes)", timeoutSeconds: 300 })];
    const on = synthJobs(withEnv(prod, { cron: { maintenance: "on" } }), jobs);
    expect(resources(on, "aws_scheduler_schedule").map((s) => s.state)).toEqual(["DISABLED", "DISABLED", "DISABLED"]);
    expect(resources(on, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).endsWith("-heartbeat")).map((a) => a.actions_enabled)).toEqual([false, false, false]);
    const off = synthJobs(prod, jobs);
    expect(resources(off, "aws_scheduler_schedule").map((s) => s.state)).toEqual(["ENABLED", "ENABLED", "ENABLED"]);
    expect(resources(off, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).endsWith("-heartbeat")).map((a) => a.actions_enabled)).toEqual([true, true, true]);
  });
});

describe("ScheduledTask: replica by default", () => {
  const json = synthJobs(prod, [job(), job({ name: "purge-expired-sessions", database: "write" })]);

  test("a read job gets only the replica: DATABASE_READ_*, PGHOST = replica, no primary host", () => {
    const env = envOf(containerOf(json, "shipkit-prod-cron-nightly-report"));
    expect(env).toMatchObject({ DATABASE_READ_HOST: "replica.db.internal", DATABASE_READ_PORT: "5432", PGHOST: "replica.db.internal", PGAPPNAME: "shipkit-prod-cron-nightly-report", APP_ENV: "prod" });
    expect(env).not.toHaveProperty("DATABASE_HOST");
    expect(Object.values(env)).not.toContain("primary.db.internal");
  });

  test("a write job gets the primary", () => {
    const env = envOf(containerOf(json, "shipkit-prod-cron-purge-expired-sessions"));
    expect(env).toMatchObject({ DATABASE_HOST: "primary.db.internal", PGHOST: "primary.db.internal", PGAPPNAME: "shipkit-prod-cron-purge-expired-sessions" });
  });

  test("no credentials at all: the reporting user, IAM auth, and a task role that may connect as it on the replica only", () => {
    const container = containerOf(json, "shipkit-prod-cron-nightly-report");
    expect(Object.keys(envOf(container)).filter((k) => /PASSWORD/.test(k))).toEqual([]);
    expect(container.secrets).toEqual([]);
    expect(envOf(container)).toMatchObject({ DATABASE_USER: "app_reader", PGUSER: "app_reader", DATABASE_AUTH: "iam", PGSSLMODE: "verify-full" });
    const connect = Object.entries(json.data!.aws_iam_policy_document!).filter(([k]) => k.includes("nightly-report") && k.includes("database-connect")).map(([, v]) => v);
    expect(connect).toEqual([expect.objectContaining({ statement: [expect.objectContaining({ actions: ["rds-db:connect"], resources: ["arn:aws:rds-db:us-east-1:111111111111:dbuser:db-REPLICA/app_reader"] })] })]);
  });
});

describe("ScheduledTask: timeout", () => {
  test("the container command is the job's command wrapped by timeout, then the success line", () => {
    const { command } = containerOf(synthJobs(prod, [job()]), "shipkit-prod-cron-nightly-report");
    expect(command).toEqual(["sh", "-c", `timeout -k 30 "$0" "$@" && echo '{"event":"job.succeeded","job":"nightly-report"}'`, "3600", "npm", "run", "report"]);
  });

  test("the wrapper really stops a run at its timeout (exit 124, no success line) and logs success on exit 0", () => {
    const run = (command: string[]) => {
      const [sh, ...args] = wrappedCommand({ name: "probe", command, timeoutSeconds: 1 });
      return spawnSync(sh!, args, { encoding: "utf8" });
    };
    const slow = run(["sleep", "30"]);
    expect(slow.status).toBe(124);
    expect(slow.stdout).not.toContain("job.succeeded");
    const ok = run(["echo", "it's a \"quoted\" arg"]);
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split("\n")).toEqual([`it's a "quoted" arg`, successLine("probe")]);
    const failing = run(["false"]);
    expect(failing.status).toBe(1);
    expect(failing.stdout).not.toContain("job.succeeded");
  });
});

describe("ScheduledTask: failure rule and dead-man heartbeat", () => {
  const json = synthJobs(prod, [job()]);

  test("STOPPED tasks of this family with a non-zero exit code (or failed to start) go to the alarm topic", () => {
    const [rule] = resources(json, "aws_cloudwatch_event_rule");
    expect(JSON.parse(rule!.event_pattern as string)).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Task State Change"],
      detail: {
        lastStatus: ["STOPPED"],
        taskDefinitionArn: [{ prefix: "arn:aws:ecs:us-east-1:111111111111:task-definition/shipkit-prod-cron-nightly-report:" }],
        $or: [{ containers: { exitCode: [{ "anything-but": 0 }] } }, { stopCode: ["TaskFailedToStart"] }],
      },
    });
    const [target] = resources(json, "aws_cloudwatch_event_target");
    expect(target).toMatchObject({ arn: TOPIC, input_transformer: { input_paths: expect.objectContaining({ exitCode: "$.detail.containers[0].exitCode" }) } });
    // An alert EventBridge cannot deliver is kept: retries, then the dead-letter queue.
    expect(target).toMatchObject({ retry_policy: { maximum_event_age_in_seconds: 86_400, maximum_retry_attempts: 185 }, dead_letter_config: { arn: "arn:aws:sqs:us-east-1:111111111111:shipkit-prod-undelivered-alerts" } });
    expect(String((target!.input_transformer as Record<string, string>).input_template)).toMatch(/^"prod cron job nightly-report failed: .*exit code <exitCode>.*"$/);
  });

  test("a metric filter counts the success line into <app>/<env>/cron JobSucceeded{Job}", () => {
    expect(resources(json, "aws_cloudwatch_log_metric_filter")).toEqual([
      expect.objectContaining({
        pattern: '{ ($.event = "job.succeeded") && ($.job = "nightly-report") }',
        metric_transformation: { name: "JobSucceeded", namespace: "shipkit/prod/cron", value: "1", unit: "Count", dimensions: { Job: "$.job" } },
      }),
    ]);
  });

  test("heartbeat of a daily job: hourly periods over 26 h, missing data breaching", () => {
    expect(resources(json, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "shipkit-prod-cron-nightly-report-heartbeat")).toMatchObject({
      namespace: "shipkit/prod/cron",
      metric_name: "JobSucceeded",
      dimensions: { Job: "nightly-report" },
      statistic: "Sum",
      period: 3600,
      evaluation_periods: 26,
      datapoints_to_alarm: 26,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
      alarm_actions: [TOPIC],
    });
  });

  test("heartbeat of an hourly cron job and of a rate job: 5-minute periods", () => {
    const hourly = synthJobs(prod, [job({ name: "purge-expired-sessions", schedule: "cron(5 * * * ? *)", timeoutSeconds: 600 }), job({ name: "heartbeat", schedule: "rate(15 minutes)", timeoutSeconds: 300 })]);
    const alarm = (name: string) => resources(hourly, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === `shipkit-prod-cron-${name}-heartbeat`);
    // 1 h + 10 min timeout + 5 min slack = 75 min; 15 min + 5 + 5 = 25 min.
    expect(alarm("purge-expired-sessions")).toMatchObject({ period: 300, evaluation_periods: 15, datapoints_to_alarm: 15 });
    expect(alarm("heartbeat")).toMatchObject({ period: 300, evaluation_periods: 5, datapoints_to_alarm: 5 });
  });

  test("alarms off (previews): no failure rule, no heartbeat alarm, no DLQ alarm", () => {
    const quiet = JSON.parse(
      Testing.synthScope((s) => {
        const env = ephemeral(42);
        const names = new Names(env.appName, env.name);
        const group = new ScheduleGroup(s, "cron", { names, alarms: "off" });
        new ScheduledTask(s, "cron-x", {
          lifecycle: lifecycleOf(env.safetyTier), accountId: env.aws.accountId, region: env.aws.region, names, job: job({ environments: ["preview"] }), group, alarms: "off",
          cluster: { clusterName: "c", clusterArn: "arn:aws:ecs:us-east-1:222222222222:cluster/c" },
          image: { repositoryUrl: "r", repositoryArn: "arn:aws:ecr:us-east-1:222222222222:repository/r" },
          imageTag: "t", subnetIds: ["subnet-a"], securityGroupId: "sg", connections: [databaseAccess({ ...ENDPOINTS, primary: PRIMARY }, "read", "shipkit-pr-42-cron-x")],
        });
      }),
    ) as SynthJson;
    expect(resources(quiet, "aws_cloudwatch_event_rule")).toHaveLength(0);
    expect(resources(quiet, "aws_cloudwatch_metric_alarm")).toHaveLength(0);
    expect(resources(quiet, "aws_scheduler_schedule")).toHaveLength(1);
  });
});

describe("ScheduledTask: scheduler execution role", () => {
  const json = synthJobs(prod, [job()]);

  test("trusted by EventBridge Scheduler of this account only", () => {
    expect(policyOf(json, "scheduler-assume").statement).toEqual([
      expect.objectContaining({
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["111111111111"] }],
      }),
    ]);
  });

  test("RunTask only on this family, PassRole only on the job's two roles, SendMessage only to the DLQ", () => {
    const statements = policyOf(json, "scheduler-policy").statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
    expect(bySid.RunThisJob).toMatchObject({
      actions: ["ecs:RunTask"],
      resources: ["arn:aws:ecs:us-east-1:111111111111:task-definition/shipkit-prod-cron-nightly-report:*"],
      condition: [{ test: "ArnEquals", variable: "ecs:cluster", values: ["arn:aws:ecs:us-east-1:111111111111:cluster/shipkit-prod-cluster"] }],
    });
    const pass = bySid.PassThisJobsRoles!;
    expect(pass.actions).toEqual(["iam:PassRole"]);
    expect(pass.resources).toHaveLength(2);
    expect(String((pass.resources as string[])[0])).toMatch(/^\$\{aws_iam_role\.cron-nightly-report_task_task-role_.*\.arn\}$/);
    expect(String((pass.resources as string[])[1])).toMatch(/^\$\{aws_iam_role\.cron-nightly-report_task_execution-role_.*\.arn\}$/);
    expect(pass.condition).toEqual([{ test: "StringEquals", variable: "iam:PassedToService", values: ["ecs-tasks.amazonaws.com"] }]);
    expect(bySid.TagTasksItStarts).toMatchObject({ actions: ["ecs:TagResource"], condition: [{ test: "StringEquals", variable: "ecs:CreateAction", values: ["RunTask"] }] });
    expect(bySid.DeadLetter).toMatchObject({ actions: ["sqs:SendMessage"] });
    expect(String((bySid.DeadLetter!.resources as string[])[0])).toContain("aws_sqs_queue.cron_dead-letter");
    // Nothing else: no wildcard actions, no resource "*".
    expect(statements).toHaveLength(4);
    expect(statements.flatMap((s) => s.resources as string[])).not.toContain("*");
  });

  test("the schedule assumes that role", () => {
    const [schedule] = resources(json, "aws_scheduler_schedule");
    expect(String((schedule!.target as Record<string, string>).role_arn)).toMatch(/^\$\{aws_iam_role\.cron-nightly-report_scheduler-role_.*\.arn\}$/);
  });
});

describe("heartbeatWindow", () => {
  test.each([
    ["rate(15 minutes)", 300, "UTC", { intervalSeconds: 900, periodSeconds: 300, evaluationPeriods: 5, windowSeconds: 1500 }],
    ["rate(1 hour)", 600, "UTC", { intervalSeconds: 3600, periodSeconds: 300, evaluationPeriods: 15, windowSeconds: 4500 }],
    ["cron(5 * * * ? *)", 600, "UTC", { intervalSeconds: 3600, periodSeconds: 300, evaluationPeriods: 15, windowSeconds: 4500 }],
    ["cron(0/10 * * * ? *)", 60, "UTC", { intervalSeconds: 600, periodSeconds: 300, evaluationPeriods: 4, windowSeconds: 1200 }],
    ["cron(15 3 * * ? *)", 3600, "UTC", { intervalSeconds: 86400, periodSeconds: 3600, evaluationPeriods: 26, windowSeconds: 93600 }],
    ["cron(15 3 * * ? *)", 3600, "Europe/Berlin", { intervalSeconds: 86400, periodSeconds: 3600, evaluationPeriods: 27, windowSeconds: 97200 }],
    ["cron(0 6,18 * * ? *)", 600, "UTC", { intervalSeconds: 43200, periodSeconds: 300, evaluationPeriods: 147, windowSeconds: 44100 }],
    ["cron(0 9 ? * MON-FRI *)", 600, "UTC", { intervalSeconds: 3 * 86400, periodSeconds: 3600, evaluationPeriods: 73, windowSeconds: 262800 }],
    ["cron(0 4 ? * MON *)", 600, "UTC", { intervalSeconds: 604800, periodSeconds: 3600, evaluationPeriods: 168, windowSeconds: 604800, capped: true }],
  ])("%s (timeout %i s, %s)", (schedule, timeout, tz, expected) => {
    expect(heartbeatWindow(schedule, timeout, tz)).toEqual({ capped: false, ...expected });
  });

  test("every window respects CloudWatch's limits", () => {
    for (const s of ["rate(1 minute)", "rate(23 hours)", "rate(2 days)", "rate(6 days)", "cron(0 4 ? * MON *)", "cron(* * * * ? *)"]) {
      const w = heartbeatWindow(s, 86400)!;
      expect(w.periodSeconds % 60).toBe(0);
      expect(w.windowSeconds).toBeLessThanOrEqual(w.periodSeconds < 3600 ? 86400 : 604800);
    }
  });

  test("monthly and rarer schedules get no heartbeat (CloudWatch watches at most 7 days)", () => {
    expect(heartbeatWindow("cron(0 4 1 * ? *)", 600)).toBeUndefined();
    expect(heartbeatWindow("cron(0 4 ? * 2#1 *)", 600)).toBeUndefined();
    const json = synthJobs(prod, [job({ schedule: "cron(0 4 1 * ? *)" })]);
    expect(resources(json, "aws_cloudwatch_metric_alarm").filter((a) => String(a.alarm_name).endsWith("-heartbeat"))).toHaveLength(0);
  });
});

describe("ScheduledTask: ConfigError for a job that bypassed environment validation", () => {
  test.each([
    [{ schedule: "cron(0 3 * * * *)" as const }, /"job.schedule" "cron\(0 3 \* \* \* \*\)" sets both day-of-month and day-of-week/],
    [{ name: "Nightly_Report" }, /"job.name" "Nightly_Report" is not kebab-case/],
    [{ timezone: "Mars/Olympus" }, /"job.timezone" "Mars\/Olympus" is not an IANA time zone/],
    [{ timeoutSeconds: 0 }, /"job.timeoutSeconds" 0 must be a whole number of seconds from 1 to 86400/],
  ])("%o", (extra, message) => {
    expect(() => synthJobs(prod, [job(extra)])).toThrow(message);
  });
});

describe("EnvironmentStack cron wiring", () => {
  test.each([prod, staging])("$name schedules the shared jobs in its group, replica for reads, primary for writes", (env) => {
    const json = synthEnv(env);
    expect(resources(json, "aws_scheduler_schedule").map((s) => s.name).sort()).toEqual(
      [`shipkit-${env.name}-cron-heartbeat`, `shipkit-${env.name}-cron-nightly-report`, `shipkit-${env.name}-cron-purge-expired-sessions`],
    );
    expect(resources(json, "aws_scheduler_schedule_group")).toHaveLength(1);
    const task = resources(json, "aws_ecs_task_definition").find((t) => t.family === `shipkit-${env.name}-cron-nightly-report`)!;
    expect(String(task.container_definitions)).toContain("backend-repository");
  });

  test("prod's read job connects to the replica instance, its write job to the primary", () => {
    const json = synthEnv(prod);
    const defs = (family: string) => String(resources(json, "aws_ecs_task_definition").find((t) => t.family === family)!.container_definitions);
    expect(defs("shipkit-prod-cron-nightly-report")).toMatch(/"PGHOST", "value" = aws_db_instance\.database_read-replica-0_[^.]+\.address/);
    expect(defs("shipkit-prod-cron-nightly-report")).not.toContain('"DATABASE_HOST"');
    expect(defs("shipkit-prod-cron-purge-expired-sessions")).toMatch(/"PGHOST", "value" = aws_db_instance\.database_primary_[^.]+\.address/);
  });

  test("a preview has no schedules, group or DLQ unless a job opts in", () => {
    const none = synthEnv(ephemeral(42));
    for (const type of ["aws_scheduler_schedule", "aws_scheduler_schedule_group"]) expect(resources(none, type)).toHaveLength(0);
    expect(resources(none, "aws_sqs_queue").map((q) => q.name)).not.toContain("shipkit-pr-42-cron-dlq");

    const optIn = ephemeral(42, withEnv(staging, { cron: { jobs: [...staging.cron.jobs, job({ name: "seed-demo-data", database: "write", environments: ["preview"] })] } }));
    const json = synthEnv(optIn);
    expect(resources(json, "aws_scheduler_schedule").map((s) => s.name)).toEqual(["shipkit-pr-42-cron-seed-demo-data"]);
    // Previews page nobody: staging's topic is not theirs to fill.
    expect(resources(json, "aws_cloudwatch_event_rule")).toHaveLength(0);
  });

  test("maintenance on in the environment config disables all of its schedules", () => {
    const json = synthEnv(withEnv(staging, { cron: { maintenance: "on" } }));
    const states = resources(json, "aws_scheduler_schedule").map((s) => s.state);
    expect(states).toHaveLength(3);
    expect(new Set(states)).toEqual(new Set(["DISABLED"]));
  });
});
