/**
 * `npm run migrate -- <prod|staging> --sha <git sha>`: migrate first (docs/runbook.md "Deploy").
 * Registers the migration task at the SHA while the services keep their tag, runs it and waits for
 * its exit code; deploy.yml then deploys the SHA. Needs the environment's deploy role and
 * TF_VAR_origin_verify_secret. Exit 0 migrated (or a first deploy: nothing to migrate ahead of),
 * 1 a step failed (the services still run the old tag), 2 nothing ran. scripts/lib/migrate.ts has the sequence.
 */
import * as path from "node:path";
import { buildApp } from "../app";
import { prod, staging } from "../environments";
import { migrate, parseMigrateArgs } from "./lib/migrate";
import { EXIT } from "./lib/preview-tools";
import { taskScriptDeps } from "./lib/task-script-deps";
import { runCli } from "./lib/run-cli";

async function main(): Promise<number> {
  let args: ReturnType<typeof parseMigrateArgs>;
  try {
    args = parseMigrateArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return EXIT.usage;
  }
  if (process.env.SHIPKIT_OFFLINE === "1") {
    console.error("migrate: refused. SHIPKIT_OFFLINE=1 is for plans only; unset it and use the environment's deploy role.");
    return EXIT.usage;
  }
  const env = args.env === "prod" ? prod : staging;
  const deps = taskScriptDeps(env.aws.region);
  return migrate(env, args.sha, {
    ...deps,
    synth: () => buildApp({ deployment: { mode: "online" }, outdir: path.join(deps.root, "cdktf.out") }).app.synth(),
  });
}

runCli(main);
