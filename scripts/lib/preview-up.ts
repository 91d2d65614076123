/**
 * Deploying preview `pr-<n>` (`npm run preview:up -- <n>`), as a function of its dependencies:
 *
 * 1. Check the inputs before anything runs: `TF_VAR_image_tag` is `pr-<n>-<sha>`, the origin
 *    secret and the Cloudflare variables are set, AWS credentials resolve.
 * 2. Count the other open previews (state objects with resources in staging's state bucket): one
 *    more must fit the open-preview cap (previewCapacity, environments/preview-capacity.ts, from
 *    the ALB quotas), checked here and again by the synth (buildApp `openPreviews`; every cdktf
 *    child gets `SHIPKIT_OPEN_PREVIEWS=<others>`, read by main.ts), before anything is deployed.
 * 3. Migrate first (stacks/stack-inputs.ts, docs/runbook.md "Deploy"): an existing preview is
 *    deployed with the tag its services run as `image_tag` and the new one as
 *    `migration_image_tag` (only the migrate task definition changes); a new preview is deployed
 *    with the new tag (its services fail health checks until the database exists).
 * 4. `db-init` (idempotent: creates user and database `pr_<n>` if missing), waited for, exit 0.
 * 5. The migrate task, waited for, exit 0.
 * 6. Services on the new tag: an existing preview is deployed again with `image_tag` = new tag; a
 *    new one gets `UpdateService --force-new-deployment` per service, so they start clean now that
 *    the database exists.
 * 7. `cdktf deploy pr-<n>-dns`, then print the URL (and `url=` to $GITHUB_OUTPUT in Actions).
 *
 * Stops at the first failure with what to run next; rerunning the same command is always safe.
 */
import { EnvironmentConfigError, ephemeral, openPreviewProblem, previewCapacity, staging } from "../../environments";
import { previewHostname } from "../../environments/schema";
import { Names } from "../../lib/core/naming";
import { dnsStackName } from "../../stacks/edge-state";
import { ORIGIN_SECRET_VARIABLE } from "../../stacks/edge-contract";
import { IMAGE_TAG_VARIABLE, MIGRATION_IMAGE_TAG_VARIABLE, imageTagProblem } from "../../stacks/stack-inputs";
import { withMasterPassword } from "./master-password";
import { TASK_OUTPUTS, previewDbTask, stackDir } from "./preview-down";
import { otherLivePreviews, type PreviewState } from "./preview-state";
import { logHint, runOneOffTask, type OneOffTask, type TaskScriptDeps, type WaitOptions } from "./preview-tasks";
import { EXIT, cloudflareProblems, elapsed, readStackOutputs, stringOutput, toolEnv, type StackOutputs } from "./preview-tools";

export interface PreviewUpDeps extends TaskScriptDeps {
  /** Preview state objects in staging's state bucket. */
  readonly listStates: () => Promise<readonly PreviewState[]>;
  /**
   * Synthesizes the app online with preview `pr` into `<root>/cdktf.out`, `openPreviews` others
   * open: throws (EnvironmentConfigError) when one more does not fit the cap.
   */
  readonly synth: (pr: number, openPreviews: number) => void | Promise<void>;
  /** Polling of the one-off tasks. */
  readonly wait?: WaitOptions;
  /** Records a step output for the CI job (GITHUB_OUTPUT). @default none */
  readonly setOutput?: (name: string, value: string) => void;
}

/** The tag a preview's images carry: `pr-<n>-<sha>` (7 to 40 lowercase hex digits). */
export const previewImageTag = (pr: number): RegExp => new RegExp(`^pr-${pr}-[0-9a-f]{7,40}$`);

/** Problems with the variables preview:up reads; empty when all are fine. */
export function previewUpProblems(pr: number, env: NodeJS.ProcessEnv, zone: string): string[] {
  const problems: string[] = [];
  const tag = env[`TF_VAR_${IMAGE_TAG_VARIABLE}`];
  if (!tag) problems.push(`TF_VAR_${IMAGE_TAG_VARIABLE} is not set: use the tag CI pushed to the preview repositories, pr-${pr}-<git sha>, e.g. TF_VAR_${IMAGE_TAG_VARIABLE}=pr-${pr}-$(git rev-parse HEAD)`);
  else if (!previewImageTag(pr).test(tag)) problems.push(`TF_VAR_${IMAGE_TAG_VARIABLE}=${JSON.stringify(tag)} is not a tag of PR ${pr}: previews run images tagged pr-${pr}-<git sha> (7-40 lowercase hex), e.g. pr-${pr}-$(git rev-parse HEAD)`);
  if (!env[`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]) problems.push(`TF_VAR_${ORIGIN_SECRET_VARIABLE} is not set (the origin-verify secret staging's ALB accepts, from Secrets Manager; previews use staging's)`);
  problems.push(...cloudflareProblems(env, zone));
  return problems;
}

/** The preview's migrate task, placed like db-init (family from the stack output `migration_task_family`). */
function migrateTask(pr: number, outputs: StackOutputs, dbTask: OneOffTask): OneOffTask | undefined {
  const family = stringOutput(outputs, "migration_task_family");
  if (!family) return undefined;
  const env = ephemeral(pr);
  // lib/compute/fargate-task.ts: container and stream prefix are the task name, log group /<app>/<env>/<name>.
  return { ...dbTask, label: "migrate", family, container: "migrate", logGroup: new Names(env.appName, env.name).logGroup("migrate"), streamPrefix: "migrate" };
}

export async function previewUp(pr: number, deps: PreviewUpDeps): Promise<number> {
  const { log, run } = deps;
  const env = ephemeral(pr);
  const stack = env.name;
  const dns = dnsStackName(stack);
  const rerun = `npm run preview:up -- ${pr}`;
  const start = Date.now();

  if (deps.env.SHIPKIT_OFFLINE === "1") {
    log.error(`preview:up: refused. SHIPKIT_OFFLINE=1 is for plans only (local state, dummy credentials); unset it and run with the preview role (shipkit-deploy-preview).`);
    return EXIT.usage;
  }
  const problems = previewUpProblems(pr, deps.env, env.cloudflare.zone);
  if (problems.length) {
    log.error(`preview:up ${pr}: nothing was run: ${problems.join("; ")}.`);
    return EXIT.usage;
  }
  const credentials = await deps.checkCredentials();
  if (credentials) {
    log.error(`preview:up ${pr}: nothing was run: ${credentials}`);
    return EXIT.usage;
  }
  const newTag = deps.env[`TF_VAR_${IMAGE_TAG_VARIABLE}`]!;

  // 1. Open previews, and the cap, before anything is deployed.
  const others = otherLivePreviews(await deps.listStates(), pr);
  const cap = previewCapacity(staging);
  log.info(`preview:up ${pr}: ${others.length} other preview(s) open${others.length ? ` (${others.map((s) => `pr-${s.pr}`).join(", ")})` : ""}; at most ${cap.maxOpen} (${cap.reason})`);
  const full = openPreviewProblem(stack, others.length, cap);
  if (full) {
    log.error(`preview:up ${pr}: nothing was deployed: ${full}.`);
    return EXIT.failed;
  }
  log.info(`preview:up ${pr}: synthesizing ${stack} (online, SHIPKIT_OPEN_PREVIEWS=${others.length}) [${elapsed(start)}]`);
  try {
    await deps.synth(pr, others.length);
  } catch (e) {
    if (!(e instanceof EnvironmentConfigError)) throw e;
    log.error(`preview:up ${pr}: nothing was deployed: ${e.message}\nClose a preview (npm run preview:down -- <n>) or sweep closed ones (npm run previews:sweep -- --apply), then run ${rerun} again.`);
    return EXIT.failed;
  }
  const dir = stackDir(deps.root, stack);
  const readEnv = toolEnv(deps.env, pr);
  const before = await readStackOutputs(run, dir, readEnv);
  if (!before.ok) {
    log.error(`preview:up ${pr}: FAILED reading ${stack}'s state: ${before.message}. Nothing was deployed; fix that, then run ${rerun} again.`);
    return EXIT.failed;
  }
  const deployed = stringOutput(before.outputs, "services_image_tag");
  // A tag pr-<n> may no longer run (from before preview tags were enforced) cannot stay on for the migration step.
  const running = deployed && !imageTagProblem(deployed, { kind: "preview", prNumber: pr }) ? deployed : undefined;
  const deploy = async (target: string, vars: Record<string, string | undefined>, what: string): Promise<boolean> => {
    log.info(`preview:up ${pr}: cdktf deploy ${target} --auto-approve: ${what} [${elapsed(start)}]`);
    const result = await run("npx", ["cdktf", "deploy", target, "--auto-approve"], { cwd: deps.root, env: withMasterPassword(toolEnv(deps.env, pr, { SHIPKIT_OPEN_PREVIEWS: String(others.length), ...vars })) });
    if (result.code === 0) return true;
    log.error(`preview:up ${pr}: FAILED: cdktf deploy ${target} exited ${result.code} (${what}). Read the error above, fix it, then run ${rerun} again.`);
    return false;
  };

  // 2. Migrate first: the new migration revision only (services keep their tag), or a new preview.
  if (running) {
    if (!(await deploy(stack, { [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: running, [`TF_VAR_${MIGRATION_IMAGE_TAG_VARIABLE}`]: newTag }, `services stay on ${running}, the migration task moves to ${newTag}`))) return EXIT.failed;
  } else {
    log.info(
      `preview:up ${pr}: ${deployed ? `${stack} runs ${deployed}, a tag it may no longer run: deploying ${newTag} directly` : `${stack} is new (no state)`}; its services start on ${newTag} and fail health checks until db-init and the migration have run, then restart`,
    );
    if (!(await deploy(stack, { [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: newTag, [`TF_VAR_${MIGRATION_IMAGE_TAG_VARIABLE}`]: undefined }, `new preview on ${newTag}`))) return EXIT.failed;
  }
  const after = await readStackOutputs(run, dir, readEnv);
  if (!after.ok) {
    log.error(`preview:up ${pr}: FAILED reading ${stack}'s outputs after the deploy: ${after.message}. Run ${rerun} again.`);
    return EXIT.failed;
  }
  const dbInit = previewDbTask(pr, "db-init", after.outputs);
  const migrate = dbInit && migrateTask(pr, after.outputs, dbInit);
  if (!dbInit || !migrate) {
    const missing = [...TASK_OUTPUTS, "migration_task_family"].filter((o) => after.outputs[o] === undefined);
    log.error(`preview:up ${pr}: FAILED: ${stack}'s state lacks the output(s) ${missing.join(", ")} after the deploy. Run ${rerun} again; if it persists, the stack no longer publishes them (stacks/borrowed-platform.ts).`);
    return EXIT.failed;
  }

  // 3. db-init, then the migration, each waited for.
  const servicesOn = running ? `services still run ${running}` : "services wait for the database";
  for (const task of [dbInit, migrate]) {
    log.info(`preview:up ${pr}: running ${task.label} (${task.family}) [${elapsed(start)}]`);
    const outcome = await runOneOffTask(deps.tasks, task, log, deps.wait);
    if (outcome.status !== "succeeded") {
      const where = outcome.status === "failed" ? `${outcome.taskArn ? ` Task ${outcome.taskArn};` : ""}${outcome.logStream ? ` ${logHint(task, outcome.logStream)}.` : ""}` : "";
      log.error(`preview:up ${pr}: FAILED: ${task.label} did not succeed: ${outcome.reason}.${where} ${servicesOn}. Fix the cause, then run ${rerun} again (db-init is idempotent; migrations must be too).`);
      return EXIT.failed;
    }
    log.info(`preview:up ${pr}: ${task.label} done [${elapsed(start)}]`);
  }

  // 4. Services on the new tag.
  if (running) {
    if (!(await deploy(stack, { [`TF_VAR_${IMAGE_TAG_VARIABLE}`]: newTag, [`TF_VAR_${MIGRATION_IMAGE_TAG_VARIABLE}`]: undefined }, `services move to ${newTag}`))) return EXIT.failed;
  } else {
    const names = new Names(env.appName, env.name);
    for (const service of Object.keys(env.services)) {
      const name = names.of(service);
      log.info(`preview:up ${pr}: restarting ${name} now that its database exists (force new deployment)`);
      try {
        await deps.tasks.forceNewDeployment({ cluster: dbInit.cluster, service: name });
      } catch (e) {
        log.error(`preview:up ${pr}: FAILED: UpdateService ${name} --force-new-deployment: ${e instanceof Error ? e.message : String(e)}. Run aws ecs update-service --cluster ${dbInit.cluster} --service ${name} --force-new-deployment, or ${rerun}.`);
        return EXIT.failed;
      }
    }
  }

  // 5. DNS, then the URL.
  if (!(await deploy(dns, {}, `DNS records of ${env.hostnames.app}`))) return EXIT.failed;
  const url = `https://${previewHostname(pr, env.cloudflare.zone)}`;
  deps.setOutput?.("url", url);
  log.info(`preview:up ${pr}: done in ${elapsed(start)}: ${url} runs ${newTag}`);
  return EXIT.ok;
}
