/**
 * `npm run --silent ci:provider-mirror -- <folder> [--platform <os>_<arch>]`: fills <folder> with
 * the Terraform provider hashicorp/aws 5.100.0 from the registry (`terraform providers mirror`,
 * unpacked into the layout offline plans read) and prints one line, `SHIPKIT_PROVIDER_MIRROR=<folder>`,
 * for `>> "$GITHUB_ENV"` (or $GITHUB_OUTPUT); Terraform's own output goes to stderr. For CI
 * runners, which have the registry (pr-plan.yml's offline plan of prod); this project's machines
 * have a mirror already. Exit 0, 1 when terraform or the download fails, 2 on a bad argument.
 */
import { mirrorEnvLine, mirrorProvider, parseMirrorArgs } from "./lib/ci-provider-mirror";
import { findProviderMirror } from "./lib/offline";
import { UsageError } from "./lib/plan-cli";
import { runCli } from "./lib/run-cli";

function main(): number {
  let args;
  try {
    args = parseMirrorArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`usage: npm run --silent ci:provider-mirror -- <folder> [--platform <os>_<arch>]: ${e.message}`);
    return 2;
  }
  const dir = mirrorProvider(args, process.env, (line) => console.error(line));
  // The same check every offline plan makes: the folder is usable as SHIPKIT_PROVIDER_MIRROR.
  findProviderMirror(dir);
  process.stdout.write(mirrorEnvLine(dir));
  return 0;
}

runCli(main);
