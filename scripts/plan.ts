/**
 * `npm run plan -- <stack>... [--markdown FILE [--markdown-limit BYTES]] [--allow-stateful]`: plan stacks and print the
 * review (risks first, counts by action and type, modeled cost).
 * - Online (default): synthesizes into cdktf.out/ and runs `terraform init` + `plan` against the real
 *   S3 state with the deploy role (the credentials of the shell or of CI's OIDC role). Unless
 *   TF_VAR_image_tag is set, plans at the image tag the stack runs now (its `services_image_tag`
 *   output), so the plan shows what the change does, not a redeploy. With SHIPKIT_ROLE=plan (the
 *   read-only plan roles of pull requests) it plans with -refresh=false: against the state as last
 *   applied, since those roles may not read secret values.
 * - Offline (SHIPKIT_OFFLINE=1): synthesizes into .offline/cdktf.out/ and plans against an empty
 *   local state with the provider mirror. For a plan against a base revision: npm run plan:offline -- --base <ref>.
 * Exit: 0 ok, 1 a plan failed, 2 usage, 3 a stateful risk (destroy/replace of data, deletion
 * protection off) not allowed by --allow-stateful or SHIPKIT_ALLOW_STATEFUL=1 (CI: the PR label
 * allow-stateful-change).
 */
import { buildApp } from "../app";
import { parsePrNumber } from "../environments";
import { withMasterPassword } from "./lib/master-password";
import { runCli } from "./lib/run-cli";
import { findProviderMirror, planStack, requireTerraform, seedOfflineUpstreams, terraformEnv, writeCliConfig, type PlanSummary } from "./lib/offline";
import { hasPlanRole } from "../environments/bootstrap";
import { forgetBackendCache, parsePlanArgs, progressToStderr, reportOf, runningImageTag, selectStacks, UsageError, workDirs, writeMarkdown } from "./lib/plan-cli";
import { exitCodeOf, EXIT, renderMarkdown, renderText, type StackReport } from "./lib/plan-report";
import { IMAGE_TAG_VARIABLE } from "../stacks/stack-inputs";
import { monthlyCost } from "../lib/cost/estimate";

async function main(): Promise<number> {
  let args;
  try {
    args = parsePlanArgs(process.argv.slice(2), { base: false, positional: true });
    if (!args.stacks.length) throw new UsageError("name at least one stack");
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`usage: npm run plan -- <stack>... [--markdown FILE [--markdown-limit BYTES]] [--allow-stateful]: ${e.message}`);
    return EXIT.usage;
  }
  const offline = process.env.SHIPKIT_OFFLINE === "1";
  const allowStateful = args.allowStateful || process.env.SHIPKIT_ALLOW_STATEFUL === "1";
  const dirs = workDirs(process.cwd());
  const { app, stacks } = buildApp({
    prNumber: parsePrNumber(process.env.PR_NUMBER),
    // SHIPKIT_ROLE=plan: the read-only plan roles (pull-request plans, .github/workflows/pr-plan.yml).
    deployment: offline ? { mode: "offline", stateDir: dirs.offline.stateDir } : { mode: "online", role: process.env.SHIPKIT_ROLE === "plan" ? "plan" : "deploy" },
    outdir: offline ? dirs.offline.outdir : dirs.online,
  });
  let targets;
  try {
    targets = selectStacks(stacks, args.stacks);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`usage: npm run plan -- <stack>...: ${e.message}`);
    return EXIT.usage;
  }
  // Prod has no read-only plan role (its state holds prod's origin secret, and pull requests may not
  // read it): a PR plans prod offline against its base; people plan it with the deploy role.
  const noPlanRole = !offline && process.env.SHIPKIT_ROLE === "plan" ? targets.filter((t) => t.kind !== "bootstrap" && !t.env.preview && !hasPlanRole(t.env)) : [];
  if (noPlanRole.length) {
    console.error(
      `${noPlanRole.map((t) => t.name).join(", ")}: SHIPKIT_ROLE=plan, but ${[...new Set(noPlanRole.map((t) => t.env.name))].join(", ")} has no read-only plan role (its state holds its origin secret; no pull request may assume a role that reads it). Plan it offline against a base (npm run plan:offline -- --base <ref> --stack ${noPlanRole[0]!.name}) or unset SHIPKIT_ROLE and use its deploy role.`,
    );
    return EXIT.usage;
  }
  if (offline && targets.some((t) => t.provider === "cloudflare")) {
    console.error(`${targets.filter((t) => t.provider === "cloudflare").map((t) => t.name).join(", ")}: Cloudflare stacks cannot be planned offline (no Cloudflare provider binary). npm run plan:offline synthesizes and checks them; plan them online with CLOUDFLARE_API_TOKEN set.`);
    return EXIT.usage;
  }
  progressToStderr(`synthesizing ${stacks.length} stacks (${offline ? "offline, into .offline/cdktf.out" : "online, into cdktf.out"})`);
  app.synth();

  const base = { ...withMasterPassword(process.env), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  // Offline: planStack gives each stack its own class's stand-in origin secret (stackPlanEnv).
  const env: NodeJS.ProcessEnv = offline ? terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), dirs.offline.dir), process.env) : base;
  requireTerraform(env);
  if (offline) seedOfflineUpstreams(dirs.offline.stateDir, stacks.map((s) => s.env));

  // The read-only plan roles (pull requests) may not read secret values, and refreshing the
  // database master secret's version calls GetSecretValue: they plan against the state as last
  // applied. Deploys refresh (and so see drift).
  const readOnly = !offline && process.env.SHIPKIT_ROLE === "plan";
  const against = offline ? "an empty state (offline)" : readOnly ? "the state as last applied (read-only plan role: -refresh=false)" : "real state";
  const reports: StackReport[] = [];
  for (const target of targets) {
    const dir = `${offline ? dirs.offline.outdir : dirs.online}/stacks/${target.name}`;
    if (!offline) {
      const forgot = forgetBackendCache(dir);
      if (forgot) progressToStderr(forgot);
    }
    let summary: PlanSummary;
    // Environment stacks run an image (bootstrap stacks have no image_tag variable).
    if (!offline && target.kind === "environment" && !env[`TF_VAR_${IMAGE_TAG_VARIABLE}`]) {
      // Plan at the running image: init first, then read the stack's own output.
      summary = await planStack(target.name, dir, env, { lock: true, refresh: !readOnly, text: Boolean(args.markdown), planFile: "online.tfplan", progress: progressToStderr, afterInit: () => runningImageTag(target.name, dir, env, progressToStderr) });
    } else {
      summary = await planStack(target.name, dir, env, { lock: !offline, refresh: !readOnly, init: offline ? "reconfigure" : "plain", ...(offline ? { review: "empty-state" as const } : {}), text: Boolean(args.markdown), planFile: offline ? "offline.tfplan" : "online.tfplan", progress: progressToStderr });
    }
    reports.push(reportOf(app, target, summary, against, monthlyCost));
  }
  console.log(renderText(reports, { allowStateful }));
  if (args.markdown) {
    writeMarkdown(args.markdown, renderMarkdown(reports, { allowStateful, title: offline ? "shipkit plan (offline)" : "shipkit plan", ...(args.markdownLimit ? { limit: args.markdownLimit } : {}) }));
    console.log(`\nPR comment written to ${args.markdown}`);
  }
  return exitCodeOf(reports, { allowStateful });
}

runCli(main);
