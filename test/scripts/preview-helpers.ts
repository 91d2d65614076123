/**
 * Fakes for the preview script tests: an ECS TaskApi that plays back a task's life, and a runner
 * that records every command (terraform, cdktf) and answers from a table.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DescribeTasksCommandOutput, RunTaskCommandInput, RunTaskCommandOutput, Task, UpdateServiceCommandOutput } from "@aws-sdk/client-ecs";
import type { TaskApi } from "../../scripts/lib/preview-tasks";
import type { Log, RunOptions, RunResult, Runner } from "../../scripts/lib/preview-tools";

export interface FakeEcs extends TaskApi {
  readonly runs: RunTaskCommandInput[];
  readonly describes: number;
  readonly forced: { cluster: string; service: string }[];
}

let counter = 0;

/**
 * A fake ECS: every RunTask starts a task whose DescribeTasks answers go through `states` (the last
 * one repeats). `runError` makes RunTask throw instead (e.g. a missing task definition).
 */
export function fakeEcs(opts: { readonly states?: readonly Partial<Task>[]; readonly perFamily?: Readonly<Record<string, readonly Partial<Task>[]>>; readonly runError?: Error; readonly failures?: RunTaskCommandOutput["failures"] } = {}): FakeEcs {
  const runs: RunTaskCommandInput[] = [];
  const forced: { cluster: string; service: string }[] = [];
  const life = new Map<string, { states: readonly Partial<Task>[]; seen: number }>();
  let describes = 0;
  const api: FakeEcs = {
    runs,
    forced,
    get describes() {
      return describes;
    },
    async runTask(input) {
      runs.push(input);
      if (opts.runError) throw opts.runError;
      if (opts.failures) return { tasks: [], failures: opts.failures, $metadata: {} };
      const taskArn = `arn:aws:ecs:us-east-1:222222222222:task/shipkit-staging-cluster/task${++counter}`;
      life.set(taskArn, { states: opts.perFamily?.[input.taskDefinition!] ?? opts.states ?? [stopped(0)], seen: 0 });
      return { tasks: [{ taskArn, lastStatus: "PROVISIONING" }], failures: [], $metadata: {} };
    },
    async describeTasks(input): Promise<DescribeTasksCommandOutput> {
      describes++;
      const arn = input.tasks[0]!;
      const l = life.get(arn)!;
      const state = l.states[Math.min(l.seen++, l.states.length - 1)]!;
      return { tasks: [{ taskArn: arn, ...state }], failures: [], $metadata: {} };
    },
    async forceNewDeployment(input): Promise<UpdateServiceCommandOutput> {
      forced.push(input);
      return { $metadata: {} };
    },
  };
  return api;
}

/** A STOPPED task whose container `psql` exited `code`. */
export const stopped = (code: number, container = "psql"): Partial<Task> => ({ lastStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited", containers: [{ name: container, exitCode: code }] });

/** A task that never started its container. */
export const pullFailure: Partial<Task> = {
  lastStatus: "STOPPED",
  stopCode: "TaskFailedToStart",
  stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/docker/library/postgres:16-alpine",
  containers: [{ name: "psql" }],
};

export interface RecordedRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env: NodeJS.ProcessEnv;
}

/** A runner that records and answers: `answer(cmdline)` gives the result (default exit 0, no output). */
export function recordingRunner(answer: (line: string, opts: RunOptions) => Partial<RunResult> | undefined = () => undefined): Runner & { readonly calls: RecordedRun[]; readonly lines: () => string[] } {
  const calls: RecordedRun[] = [];
  const run = (async (command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> => {
    calls.push({ command, args, cwd: opts.cwd, env: opts.env });
    const a = answer(`${command} ${args.join(" ")}`, opts) ?? {};
    return { code: a.code ?? 0, stdout: a.stdout ?? "" };
  }) as Runner & { calls: RecordedRun[]; lines: () => string[] };
  run.calls = calls;
  run.lines = () => calls.map((c) => `${c.command} ${c.args.join(" ")}`);
  return run;
}

/** `terraform output -json` text for these values. */
export const outputsJson = (values: Record<string, unknown>): string => JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { sensitive: false, type: typeof value === "string" ? "string" : ["list", "string"], value }])));

/** A Log that keeps every line. */
export function memoryLog(): Log & { readonly lines: string[]; readonly errors: string[]; text(): string } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, info: (l) => lines.push(l), error: (l) => errors.push(l), text: () => [...lines, ...errors].join("\n") };
}

/** Instant waits: polling without real time passing (a fake clock advanced by each sleep). */
export function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let t = 1_000_000;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
}

/** Outputs of a deployed preview, as its stack publishes them. */
export const PREVIEW_OUTPUTS = {
  ecs_cluster_name: "shipkit-staging-cluster",
  private_subnet_ids: ["subnet-aaa", "subnet-bbb"],
  app_security_group_id: "sg-preview42",
  services_image_tag: "pr-42-abc1234",
  migration_task_family: "shipkit-pr-42-migrate",
};

/** Cloudflare variables the DNS stack needs (fake values of the right shape). */
export const CLOUDFLARE_ENV = { CLOUDFLARE_API_TOKEN: "test-token-not-real", TF_VAR_cloudflare_zone_id: "0123456789abcdef0123456789abcdef" };

/**
 * Runs a script entry (`scripts/<name>.ts`) with tsx like its npm script does, in a bare
 * environment: no AWS credentials, instance metadata off, HOME an empty folder; killed after 60 s.
 */
export function runScript(script: string, args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const root = path.resolve(__dirname, "../..");
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "preview-script-home-"));
  return new Promise((resolve) => {
    execFile(
      path.join(root, "node_modules", ".bin", "tsx"),
      [path.join(root, "scripts", script), ...args],
      { cwd: root, timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, AWS_EC2_METADATA_DISABLED: "true", ...extraEnv } },
      (error, stdout, stderr) => {
        fs.rmSync(home, { recursive: true, force: true });
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, signal: error?.signal ?? null, stdout, stderr });
      },
    );
  });
}
