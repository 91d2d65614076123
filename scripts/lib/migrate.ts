/**
 * Migrate first for prod and staging (`npm run migrate -- <prod|staging> --sha <sha>`), as a
 * function of its dependencies (docs/runbook.md "Deploy", stacks/stack-inputs.ts):
 *
 * 1. Check the inputs before anything runs: the SHA, the origin secret, AWS credentials.
 * 2. Read the stack's outputs: the tag the services run (`services_image_tag`). None: a first
 *    deploy, nothing to migrate ahead of (say so, exit 0: `npm run deploy` creates the stack and
 *    the database bootstrap runs the migration, docs/database.md).
 * 3. Deploy with `image_tag` = the running tag and `migration_image_tag` = the SHA: only the
 *    migrate task definition changes.
 * 4. Run the migrate task (family `migration_task_family`) in the cluster, private subnets and app
 *    security group from the outputs; wait until it stops; exit 0 only when its container exits 0.
 *
 * Then the caller deploys with `image_tag` = the SHA (deploy.yml). Rerunning is safe: migrations
 * must be idempotent. Tested via: test/workflows.test.ts ("npm run migrate")
 */
import type { EnvironmentConfig } from "../../environments/types";
import { Names } from "../../lib/core/naming";
import { ORIGIN_SECRET_VARIABLE, githubOriginSecret, originSecretClass } from "../../stacks/edge-contract";
import { SHARED_OUTPUTS } from "../../stacks/shared-state";
import { IMAGE_TAG_VARIABLE, MIGRATION_IMAGE_TAG_VARIABLE } from "../../stacks/stack-inputs";
import { withMasterPassword } from "./master-password";
import { APP_SECURITY_GROUP_OUTPUT, stackDir } from "./preview-down";
import { logHint, runOneOffTask, type OneOffTask, type TaskScriptDeps, type WaitOptions } from "./preview-tasks";
import { EXIT, elapsed, listOutput, readStackOutputs, stringOutput, toolEnv, type StackOutputs } from "./preview-tools";

/** A git commit SHA as deploy.yml tags images with it. */
export const GIT_SHA = /^[0-9a-f]{7,40}$/;

export interface MigrateDeps extends TaskScriptDeps {
  /** Synthesizes the app online into `<root>/cdktf.out`. */
  readonly synth: () => void;
  /** Polling of the task (tests shorten it). @default runOneOffTask's */
  readonly wait?: WaitOptions;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
}

/** Parses `<prod|staging> --sha <sha>`; throws a usage message. */
export function parseMigrateArgs(argv: readonly string[]): { readonly env: "prod" | "staging"; readonly sha: string } {
  const usage = "usage: npm run migrate -- <prod|staging> --sha <git sha>";
  const [env, flag, sha, ...rest] = argv;
  if (env !== "prod" && env !== "staging") throw new Error(`${usage}: ${JSON.stringify(env ?? "")} is not prod or staging (previews migrate in npm run preview:up)`);
  if (flag !== "--sha" || !sha || rest.length) throw new Error(`${usage}: give exactly --sha <sha>`);
  if (!GIT_SHA.test(sha)) throw new Error(`${usage}: ${JSON.stringify(sha)} is not a git SHA (7-40 lowercase hex digits)`);
  return { env, sha };
}

/** The migrate task of `env`, placed with its stack's outputs; undefined when an output is missing. */
export function migrateTask(env: EnvironmentConfig, outputs: StackOutputs): OneOffTask | undefined {
  const names = new Names(env.appName, env.name);
  const cluster = stringOutput(outputs, SHARED_OUTPUTS.clusterName.output);
  const subnets = listOutput(outputs, SHARED_OUTPUTS.privateSubnetIds.output);
  const securityGroup = stringOutput(outputs, APP_SECURITY_GROUP_OUTPUT);
  const family = stringOutput(outputs, "migration_task_family");
  if (!cluster || !subnets || !securityGroup || !family) return undefined;
  // Container, log group and stream prefix as FargateTask names them (name "migrate", stacks/workloads.ts).
  return { label: "migrate", cluster, family, subnets, securityGroups: [securityGroup], container: "migrate", logGroup: names.logGroup("migrate"), streamPrefix: "migrate", region: env.aws.region };
}

/** Runs the migration ahead of the services; returns the exit code. */
export async function migrate(target: EnvironmentConfig, sha: string, deps: MigrateDeps): Promise<number> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const start = now();
  const stack = target.name;
  const rerun = `npm run migrate -- ${stack} --sha ${sha}`;
  if (!deps.env[`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]) {
    log.error(`migrate ${stack}: nothing was run: TF_VAR_${ORIGIN_SECRET_VARIABLE} is not set (the deploy of step 1 needs ${originSecretClass(target)}'s origin-verify secret; CI: the ${githubOriginSecret(originSecretClass(target))} secret)`);
    return EXIT.usage;
  }
  const credentials = await deps.checkCredentials();
  if (credentials) {
    log.error(`migrate ${stack}: nothing was run: ${credentials}`);
    return EXIT.usage;
  }
  log.info(`migrate ${stack}: synthesizing (online) [${elapsed(start, now())}]`);
  deps.synth();
  const dir = stackDir(deps.root, stack);
  const env = toolEnv(deps.env, undefined);
  const before = await readStackOutputs(deps.run, dir, env);
  if (!before.ok) {
    log.error(`migrate ${stack}: FAILED reading ${stack}'s state: ${before.message}. Nothing was deployed; fix that, then run ${rerun} again.`);
    return EXIT.failed;
  }
  const running = stringOutput(before.outputs, "services_image_tag");
  if (!running) {
    log.info(`migrate ${stack}: ${stack} has no services_image_tag output (a first deploy): nothing to migrate ahead of. npm run deploy creates it; run the database bootstrap and migration as docs/database.md says.`);
    return EXIT.ok;
  }
  log.info(`migrate ${stack}: cdktf deploy ${stack}: services stay on ${running}, the migration task moves to ${sha} [${elapsed(start, now())}]`);
  const deployed = await deps.run("npx", ["cdktf", "deploy", stack, "--auto-approve"], {
    cwd: deps.root,
    env: withMasterPassword(toolEnv(deps.env, undefined, { [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: running, [`TF_VAR_${MIGRATION_IMAGE_TAG_VARIABLE}`]: sha })),
  });
  if (deployed.code !== 0) {
    log.error(`migrate ${stack}: FAILED: cdktf deploy ${stack} exited ${deployed.code} (registering the migration revision). The services still run ${running}. Read the error above, fix it, then run ${rerun} again.`);
    return EXIT.failed;
  }
  const after = await readStackOutputs(deps.run, dir, env);
  const task = after.ok ? migrateTask(target, after.outputs) : undefined;
  if (!task) {
    log.error(`migrate ${stack}: FAILED: ${stack}'s outputs lack what the migrate task runs with (ecs_cluster_name, private_subnet_ids, app_security_group_id, migration_task_family). The services still run ${running}.`);
    return EXIT.failed;
  }
  log.info(`migrate ${stack}: running ${task.family} in cluster ${task.cluster} [${elapsed(start, now())}]`);
  const outcome = await runOneOffTask(deps.tasks, task, log, deps.wait);
  if (outcome.status !== "succeeded") {
    const where = outcome.status === "failed" && outcome.logStream ? ` ${logHint(task, outcome.logStream)}.` : "";
    log.error(`migrate ${stack}: FAILED: the migration did not succeed: ${outcome.reason}.${where} The services still run ${running}; do not deploy ${sha}. Fix the migration (roll forward), then run ${rerun} again.`);
    return EXIT.failed;
  }
  log.info(`migrate ${stack}: migration ${sha} succeeded (${outcome.logStream}); now deploy image_tag=${sha} [${elapsed(start, now())}]`);
  return EXIT.ok;
}
