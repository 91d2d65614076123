/**
 * `npm run previews:sweep -- [--apply] [--ttl-days N]`: find previews whose PR is closed, merged
 * or gone, or whose last deploy is older than the TTL (default 7 days), print each with the
 * reason, and with --apply tear them down (`npm run preview:down -- <n>` each, continuing past
 * failures). Dry run by default. Reads GITHUB_TOKEN and GITHUB_REPOSITORY (GITHUB_API_URL when
 * set); --apply also needs CLOUDFLARE_API_TOKEN and TF_VAR_cloudflare_zone_id. AWS: the staging
 * deploy role (lists staging's state bucket). Exit 0 ok, 1 a teardown failed or GitHub could not
 * be asked, 2 nothing ran. scripts/lib/sweep.ts has the selection.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { staging } from "../environments";
import { listPreviewStates, s3StateBucketApi } from "./lib/preview-state";
import { EXIT, consoleLog, sdkCredentialsCheck, spawnRunner, toolEnv } from "./lib/preview-tools";
import { parseSweepArgs, runSweep, type SweepArgs } from "./lib/sweep";
import { runCli } from "./lib/run-cli";

async function main(): Promise<number> {
  let args: SweepArgs;
  try {
    args = parseSweepArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return EXIT.usage;
  }
  const s3 = new S3Client({ region: staging.aws.region });
  return runSweep(
    args,
    {
      env: process.env,
      log: consoleLog,
      checkCredentials: sdkCredentialsCheck(s3),
      listStates: () => listPreviewStates(s3StateBucketApi(s3), staging.aws.stateBucket),
      fetch,
      now: () => new Date(),
      teardown: async (pr) => (await spawnRunner("npm", ["run", "--silent", "preview:down", "--", String(pr)], { env: toolEnv(process.env, undefined) })).code,
    },
    staging.cloudflare.zone,
  );
}

runCli(main);
