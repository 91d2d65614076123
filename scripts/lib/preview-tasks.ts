/**
 * One-off ECS tasks of a preview (db-init, db-drop, migrate): run on Fargate in staging's cluster
 * with the preview's network configuration, wait until the task STOPS, and judge it by its
 * container's exit code. The ECS calls go through TaskApi, so tests substitute a fake.
 *
 * AWS rules relied on:
 * - A task that never started has no exit code; why it stopped is in `stopCode`/`stoppedReason`
 *   (e.g. `CannotPullContainerError`) and the container's `reason`:
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html
 * - RunTask reports placement problems in `failures[]` (reason + arn) rather than as an error:
 *   https://docs.aws.amazon.com/AmazonECS/latest/userguide/api_failures_messages.html
 * - The awslogs driver names streams `<prefix>/<container name>/<task id>`:
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
 */
import type { ECSClient, RunTaskCommandInput, RunTaskCommandOutput, DescribeTasksCommandOutput, Task, UpdateServiceCommandOutput } from "@aws-sdk/client-ecs";
import { DescribeTasksCommand, RunTaskCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { CredentialsCheck, Log, Runner } from "./preview-tools";

/** What every script that runs one-off ECS tasks takes (preview:up, preview:down, migrate). */
export interface TaskScriptDeps {
  /** The caller's environment (variables are read from here only). */
  readonly env: NodeJS.ProcessEnv;
  /** Project root: synth output is `<root>/cdktf.out/stacks/<stack>`, cdktf runs here. */
  readonly root: string;
  readonly log: Log;
  readonly run: Runner;
  readonly tasks: TaskApi;
  readonly checkCredentials: CredentialsCheck;
}

/** The three ECS calls the preview scripts make. */
export interface TaskApi {
  runTask(input: RunTaskCommandInput): Promise<RunTaskCommandOutput>;
  describeTasks(input: { cluster: string; tasks: string[] }): Promise<DescribeTasksCommandOutput>;
  /** `UpdateService --force-new-deployment` (a new preview's services start clean once their database exists). */
  forceNewDeployment(input: { cluster: string; service: string }): Promise<UpdateServiceCommandOutput>;
}

/** TaskApi over the real client. */
export function ecsTaskApi(client: ECSClient): TaskApi {
  return {
    runTask: (input) => client.send(new RunTaskCommand(input)),
    describeTasks: (input) => client.send(new DescribeTasksCommand(input)),
    forceNewDeployment: (input) => client.send(new UpdateServiceCommand({ ...input, forceNewDeployment: true })),
  };
}

/** Which task, where, and where its logs go. */
export interface OneOffTask {
  /** What the messages call it: `db-drop`, `db-init`, `migrate`. */
  readonly label: string;
  readonly cluster: string;
  /** Task definition family (latest ACTIVE revision), e.g. `shipkit-pr-42-db-drop`. */
  readonly family: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  /** The essential container whose exit code decides, e.g. `psql`, `migrate`. */
  readonly container: string;
  /** CloudWatch log group, e.g. `/shipkit/pr-42/db-tasks`. */
  readonly logGroup: string;
  /** awslogs stream prefix, e.g. `db-drop`. */
  readonly streamPrefix: string;
  /** AWS region (for the console link). */
  readonly region: string;
}

export type TaskOutcome =
  | { readonly status: "succeeded"; readonly taskArn: string; readonly logStream: string }
  | { readonly status: "failed"; readonly taskArn?: string; readonly logStream?: string; readonly reason: string }
  /** The task definition does not exist (never deployed, or already destroyed). */
  | { readonly status: "missing-definition"; readonly reason: string };

export interface WaitOptions {
  /** Between two DescribeTasks calls. @default 6000 */
  readonly pollMs?: number;
  /** Give up (the task keeps running; the message says so). @default 900000 (15 minutes) */
  readonly timeoutMs?: number;
  /** Injected for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `<prefix>/<container>/<task id>` for the task ARN `arn:...:task/<cluster>/<task id>`. */
export const logStreamOf = (task: OneOffTask, taskArn: string): string => `${task.streamPrefix}/${task.container}/${taskArn.split("/").pop()}`;

/** Where to read the task's logs, for failure messages. */
export const logHint = (task: OneOffTask, stream: string): string =>
  `logs: log group ${task.logGroup}, stream ${stream} (aws logs tail ${task.logGroup} --log-stream-names ${stream} --region ${task.region})`;

/** ClientException/InvalidParameterException text ECS uses when the family has no ACTIVE revision. */
const MISSING_DEFINITION = /TaskDefinition (not found|is inactive)|Unable to find task definition|task definition .*(does not exist|not found)/i;

/**
 * Runs the task, waits until it is STOPPED, and checks the container exit code. Never throws for
 * an ECS answer; a failure names the task ARN and the log stream to read.
 */
export async function runOneOffTask(api: TaskApi, task: OneOffTask, log: Log, opts: WaitOptions = {}): Promise<TaskOutcome> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 6000;
  const timeoutMs = opts.timeoutMs ?? 15 * 60 * 1000;
  let started: RunTaskCommandOutput;
  try {
    started = await api.runTask({
      cluster: task.cluster,
      taskDefinition: task.family,
      launchType: "FARGATE",
      count: 1,
      startedBy: `shipkit-${task.label}`.slice(0, 36),
      networkConfiguration: { awsvpcConfiguration: { subnets: [...task.subnets], securityGroups: [...task.securityGroups], assignPublicIp: "DISABLED" } },
    });
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (MISSING_DEFINITION.test(message)) return { status: "missing-definition", reason: `task definition ${task.family} does not exist (${message})` };
    return { status: "failed", reason: `RunTask ${task.family} in cluster ${task.cluster} failed: ${message}` };
  }
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const failures = (started.failures ?? []).map((f) => `${f.reason ?? "unknown"}${f.detail ? ` (${f.detail})` : ""}${f.arn ? ` [${f.arn}]` : ""}`).join("; ");
    return { status: "failed", reason: `RunTask ${task.family} started no task: ${failures || "no task and no failure reported"}` };
  }
  const logStream = logStreamOf(task, taskArn);
  log.info(`${task.label}: started ${taskArn}; waiting for it to stop (${logHint(task, logStream)})`);
  const start = now();
  let lastStatus = "";
  let lastLogged = -Infinity;
  for (;;) {
    let current: Task | undefined;
    try {
      const described = await api.describeTasks({ cluster: task.cluster, tasks: [taskArn] });
      current = described.tasks?.[0];
    } catch (e) {
      // A throttled or failed describe is retried until the timeout; the task runs on regardless.
      log.info(`${task.label}: DescribeTasks failed (${e instanceof Error ? e.message : String(e)}); retrying`);
    }
    const status = current?.lastStatus ?? "UNKNOWN";
    const seconds = Math.round((now() - start) / 1000);
    // A line on every status change, and at least every 10 s while waiting.
    if (status !== lastStatus || now() - lastLogged >= 10_000) {
      log.info(`${task.label}: ${status} after ${seconds} s`);
      lastLogged = now();
    }
    lastStatus = status;
    if (current && status === "STOPPED") return judge(task, current, taskArn, logStream);
    if (now() - start >= timeoutMs)
      return { status: "failed", taskArn, logStream, reason: `${task.label} did not stop within ${Math.round(timeoutMs / 60000)} minutes (last status ${status}); it may still be running: aws ecs describe-tasks --cluster ${task.cluster} --tasks ${taskArn}` };
    await sleep(pollMs);
  }
}

/** A stopped task: success only when the container exited 0. */
function judge(task: OneOffTask, stopped: Task, taskArn: string, logStream: string): TaskOutcome {
  const container = stopped.containers?.find((c) => c.name === task.container) ?? stopped.containers?.[0];
  const why = [stopped.stopCode, stopped.stoppedReason, container?.reason].filter(Boolean).join("; ");
  if (container?.exitCode === 0) return { status: "succeeded", taskArn, logStream };
  const reason =
    container?.exitCode === undefined
      ? `${task.label} never ran its command: ${why || "no stop reason given"}`
      : `${task.label} exited ${container.exitCode}${why ? ` (${why})` : ""}`;
  return { status: "failed", taskArn, logStream, reason };
}
