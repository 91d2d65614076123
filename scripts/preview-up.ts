/**
 * `npm run preview:up -- <n>`: deploy preview `pr-<n>` from the image tag `TF_VAR_image_tag`
 * (`pr-<n>-<sha>`): count the other open previews (the cap), migrate first, db-init and the
 * migration waited for with their exit codes, services on the new tag, `pr-<n>-dns`, then print
 * the URL (and write `url=<url>` to $GITHUB_OUTPUT in Actions). Needs the preview role's (shipkit-deploy-preview)
 * AWS credentials, TF_VAR_origin_verify_secret, CLOUDFLARE_API_TOKEN and TF_VAR_cloudflare_zone_id.
 * Exit 0 deployed, 1 a step failed (or the cap refused), 2 nothing ran.
 * scripts/lib/preview-up.ts has the sequence.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { buildApp } from "../app";
import { ephemeral, staging } from "../environments";
import { listPreviewStates, s3StateBucketApi } from "./lib/preview-state";
import { EXIT, prFromArgv } from "./lib/preview-tools";
import { taskScriptDeps } from "./lib/task-script-deps";
import { previewUp } from "./lib/preview-up";
import { runCli } from "./lib/run-cli";

const USAGE = "TF_VAR_image_tag=pr-<n>-<sha> npm run preview:up -- <pr number>";

async function main(): Promise<number> {
  const pr = prFromArgv(process.argv.slice(2), USAGE);
  if (pr === undefined) return EXIT.usage;
  const deps = taskScriptDeps(ephemeral(pr).aws.region);
  const s3 = new S3Client({ region: staging.aws.region });
  const githubOutput = process.env.GITHUB_OUTPUT;
  return previewUp(pr, {
    ...deps,
    listStates: () => listPreviewStates(s3StateBucketApi(s3), staging.aws.stateBucket),
    synth: (n, openPreviews) => {
      // openPreviews: buildApp refuses when one more preview exceeds staging's cap (environments/preview-capacity.ts).
      buildApp({ prNumber: n, openPreviews, deployment: { mode: "online" }, outdir: path.join(deps.root, "cdktf.out") }).app.synth();
    },
    setOutput: githubOutput ? (name, value) => fs.appendFileSync(githubOutput, `${name}=${value}\n`) : undefined,
  });
}

runCli(main);
