/**
 * `npm run smoke -- <prod|staging|pr-<n>> --sha <git sha> [--attempts N] [--base-url URL]`: after
 * a deploy, check that the environment's services run the SHA (stack output `services_image_tag`:
 * the SHA for prod and staging, `pr-<n>-<sha>` for a preview) and that every HTTP service's health
 * endpoint answers 2xx on the public hostname (12 tries 5 s apart, 5 s timeout each, unless
 * --attempts). --base-url sends the health checks elsewhere (a tunnel, a local run). AWS: the
 * environment's deploy role (reads the stack's state). Exit 0 ok, 1 a check failed, 2 nothing ran.
 */
import * as path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { buildApp } from "../app";
import { EXIT, consoleLog, readStackOutputs, sdkCredentialsCheck, spawnRunner, stringOutput, toolEnv } from "./lib/preview-tools";
import { expectedTag, healthTargets, parseSmokeArgs, smoke, type SmokeArgs } from "./lib/smoke";
import { runCli } from "./lib/run-cli";

async function main(): Promise<number> {
  let args: SmokeArgs;
  try {
    args = parseSmokeArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return EXIT.usage;
  }
  const { env } = args;
  if (process.env.SHIPKIT_OFFLINE === "1") {
    console.error("smoke: refused. SHIPKIT_OFFLINE=1 has no deployed environment to check; unset it and use the environment's deploy role.");
    return EXIT.usage;
  }
  const credentials = await sdkCredentialsCheck(new S3Client({ region: env.aws.region }))();
  if (credentials) {
    console.error(`smoke ${env.name}: nothing was run: ${credentials.replace("the preview role (shipkit-deploy-preview)", `${env.name}'s deploy role`)}`);
    return EXIT.usage;
  }
  const root = process.cwd();
  const pr = env.preview?.prNumber;
  return smoke({
    targets: healthTargets(env, args.baseUrl),
    expectedTag: expectedTag(env, args.sha),
    attempts: args.attempts,
    log: consoleLog,
    readDeployedTag: async () => {
      console.log(`smoke ${env.name}: synthesizing and reading the stack's outputs (terraform output -json)...`);
      buildApp({ prNumber: pr, deployment: { mode: "online" }, outdir: path.join(root, "cdktf.out") }).app.synth();
      const read = await readStackOutputs(spawnRunner, path.join(root, "cdktf.out", "stacks", env.name), toolEnv(process.env, pr));
      return read.ok ? { ok: true, tag: stringOutput(read.outputs, "services_image_tag") } : read;
    },
  });
}

runCli(main);
