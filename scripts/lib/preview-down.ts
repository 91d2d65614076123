/**
 * The whole teardown of preview `pr-<n>` (`npm run preview:down -- <n>`), as a function of its
 * dependencies so tests drive it with a fake ECS API and a recording runner:
 *
 * 1. Check the inputs before anything runs: the Cloudflare variables the DNS stack needs, and AWS
 *    credentials.
 * 2. Synthesize the app online and read the preview's outputs (`terraform init`, `terraform output
 *    -json` in `cdktf.out/stacks/pr-<n>`): cluster, subnets, app security group.
 * 3. Run the `db-drop` task there, wait until it stops, require exit code 0. A preview with no
 *    state (never deployed, or already destroyed) or no db-drop task definition skips this, and
 *    says so.
 * 4. `cdktf destroy pr-<n>-dns --auto-approve`, then `cdktf destroy pr-<n> --auto-approve`
 *    (the task definitions go with the stack, hence db-drop first).
 *
 * Stops at the first failure with what to run next. Every step is idempotent, so the fix is
 * always "fix the cause, rerun the same command".
 */
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { ephemeral } from "../../environments";
import { Names } from "../../lib/core/naming";
import { previewDatabaseName } from "../../lib/data/preview-database-tasks";
import { dnsStackName } from "../../stacks/edge-state";
import { ORIGIN_SECRET_VARIABLE } from "../../stacks/edge-contract";
import { IMAGE_TAG_VARIABLE, MIGRATION_IMAGE_TAG_VARIABLE, imageTagProblem, previewImageTag } from "../../stacks/stack-inputs";
import { SHARED_OUTPUTS } from "../../stacks/shared-state";
import { withMasterPassword } from "./master-password";
import { runOneOffTask, logHint, type OneOffTask, type TaskScriptDeps, type WaitOptions } from "./preview-tasks";
import { EXIT, cloudflareProblems, elapsed, listOutput, readStackOutputs, stringOutput, toolEnv, type StackOutputs } from "./preview-tools";

/** Output of the preview stack naming its app security group (stacks/app-security-group.ts). */
export const APP_SECURITY_GROUP_OUTPUT = "app_security_group_id";

export interface PreviewDownDeps extends TaskScriptDeps {
  /** Synthesizes the app online, with preview `pr`, into `<root>/cdktf.out`. */
  readonly synth: (pr: number) => void | Promise<void>;
  /** Polling of the db-drop task. @default runOneOffTask's */
  readonly wait?: WaitOptions;
}

/** The synthesized folder of a stack. */
export const stackDir = (root: string, stack: string): string => path.join(root, "cdktf.out", "stacks", stack);

/** The preview's db-init or db-drop task, placed with the preview stack's outputs. Undefined when an output is missing. */
export function previewDbTask(pr: number, action: "db-init" | "db-drop", outputs: StackOutputs): OneOffTask | undefined {
  const env = ephemeral(pr);
  const names = new Names(env.appName, env.name);
  const cluster = stringOutput(outputs, SHARED_OUTPUTS.clusterName.output);
  const subnets = listOutput(outputs, SHARED_OUTPUTS.privateSubnetIds.output);
  const securityGroup = stringOutput(outputs, APP_SECURITY_GROUP_OUTPUT);
  if (!cluster || !subnets || !securityGroup) return undefined;
  // Family, container, log group and stream prefix as lib/data/database-admin-tasks.ts names them.
  return { label: action, cluster, family: names.of(action), subnets, securityGroups: [securityGroup], container: "psql", logGroup: names.logGroup("db-tasks"), streamPrefix: action, region: env.aws.region };
}

/** Outputs the one-off tasks need, for the message when some are missing. */
export const TASK_OUTPUTS = [SHARED_OUTPUTS.clusterName.output, SHARED_OUTPUTS.privateSubnetIds.output, APP_SECURITY_GROUP_OUTPUT] as const;

/**
 * Variables a destroy evaluates but whose value cannot matter: Terraform validates every declared
 * variable before planning, even to destroy, and the rules that would use them are being deleted,
 * never updated. The image tags: the caller's when pr-<n> may run them, else `pr-<n>-teardown`
 * (a tag of another PR or of main fails the stack's validation); the origin secret: the caller's,
 * else a random placeholder.
 */
export function destroyVariables(pr: number, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const rule = { kind: "preview", prNumber: pr } as const;
  const tag = env[`TF_VAR_${IMAGE_TAG_VARIABLE}`];
  const migrationTag = env[`TF_VAR_${MIGRATION_IMAGE_TAG_VARIABLE}`];
  return {
    [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: tag && !imageTagProblem(tag, rule) ? tag : previewImageTag(pr, "teardown"),
    [`TF_VAR_${MIGRATION_IMAGE_TAG_VARIABLE}`]: migrationTag && !imageTagProblem(migrationTag, rule) ? migrationTag : undefined,
    [`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]: env[`TF_VAR_${ORIGIN_SECRET_VARIABLE}`] || randomBytes(24).toString("hex"),
  };
}

export async function previewDown(pr: number, deps: PreviewDownDeps): Promise<number> {
  const { log, run } = deps;
  const env = ephemeral(pr);
  const stack = env.name;
  const dns = dnsStackName(stack);
  const rerun = `npm run preview:down -- ${pr}`;
  const start = Date.now();

  if (deps.env.SHIPKIT_OFFLINE === "1") {
    log.error(`preview:down: refused. SHIPKIT_OFFLINE=1 is for plans only (local state, dummy credentials); unset it and run with the preview role (shipkit-deploy-preview).`);
    return EXIT.usage;
  }
  const cloudflare = cloudflareProblems(deps.env, env.cloudflare.zone);
  if (cloudflare.length) {
    log.error(`preview:down ${pr}: nothing was run. Destroying ${dns} needs the Cloudflare variables: ${cloudflare.join("; ")}. Set them and run ${rerun} again.`);
    return EXIT.usage;
  }
  const credentials = await deps.checkCredentials();
  if (credentials) {
    log.error(`preview:down ${pr}: nothing was run: ${credentials}`);
    return EXIT.usage;
  }

  log.info(`preview:down ${pr}: synthesizing ${stack} (online)...`);
  await deps.synth(pr);
  log.info(`preview:down ${pr}: reading ${stack}'s outputs (terraform init, terraform output -json) [${elapsed(start)}]`);
  const dir = stackDir(deps.root, stack);
  const read = await readStackOutputs(run, dir, toolEnv(deps.env, pr));
  if (!read.ok) {
    log.error(`preview:down ${pr}: FAILED reading ${stack}'s state: ${read.message}. Nothing was dropped or destroyed; fix that, then run ${rerun} again.`);
    return EXIT.failed;
  }
  const outputs = read.outputs;

  // 1. db-drop, waited for.
  const dbName = previewDatabaseName(pr);
  if (Object.keys(outputs).length === 0) {
    log.info(`preview:down ${pr}: ${stack} has no state (never deployed, or already destroyed): no db-drop to run. If database ${dbName} was left behind, see docs/database.md "Preview databases" (orphans).`);
  } else {
    const task = previewDbTask(pr, "db-drop", outputs);
    if (!task) {
      const missing = TASK_OUTPUTS.filter((o) => outputs[o] === undefined);
      log.error(`preview:down ${pr}: FAILED: ${stack}'s state lacks the output(s) ${missing.join(", ")} that db-drop runs with (a partial deploy?). Nothing was destroyed. Deploy ${stack} once (npm run preview:up -- ${pr}) or run db-drop by hand (docs/database.md), then run ${rerun} again.`);
      return EXIT.failed;
    }
    log.info(`preview:down ${pr}: running db-drop (${task.family}) in cluster ${task.cluster} [${elapsed(start)}]`);
    const outcome = await runOneOffTask(deps.tasks, task, log, deps.wait);
    if (outcome.status === "missing-definition") {
      log.info(`preview:down ${pr}: ${outcome.reason}: nothing to drop with; continuing. If database ${dbName} was left behind, see docs/database.md (orphans).`);
    } else if (outcome.status === "failed") {
      log.error(
        `preview:down ${pr}: FAILED: db-drop did not succeed: ${outcome.reason}.${outcome.taskArn ? ` Task ${outcome.taskArn};` : ""}${outcome.logStream ? ` ${logHint(task, outcome.logStream)}.` : ""} ` +
          `Nothing was destroyed (the task definition goes with the stack, so the database is dropped first). Fix the cause, then run ${rerun} again (db-drop is idempotent).`,
      );
      return EXIT.failed;
    } else {
      log.info(`preview:down ${pr}: db-drop done: database and user ${dbName} are gone (or were already) [${elapsed(start)}]`);
    }
  }

  // 2. DNS records, then the stack.
  const destroyEnv = withMasterPassword(toolEnv(deps.env, pr, destroyVariables(pr, deps.env)));
  for (const [target, after] of [
    [dns, `db-drop is done; DNS records may be partly gone`],
    [stack, `db-drop and ${dns} are done`],
  ] as const) {
    log.info(`preview:down ${pr}: cdktf destroy ${target} --auto-approve [${elapsed(start)}]`);
    const result = await run("npx", ["cdktf", "destroy", target, "--auto-approve"], { cwd: deps.root, env: destroyEnv });
    if (result.code !== 0) {
      log.error(`preview:down ${pr}: FAILED: cdktf destroy ${target} exited ${result.code} (${after}). Read the error above; a lock or a resource deleted by hand: docs/runbook.md "Tear down a stuck preview". Then run ${rerun} again.`);
      return EXIT.failed;
    }
    log.info(`preview:down ${pr}: ${target} destroyed [${elapsed(start)}]`);
  }
  log.info(`preview:down ${pr}: done in ${elapsed(start)}: database ${dbName} dropped, ${dns} and ${stack} destroyed.`);
  return EXIT.ok;
}
