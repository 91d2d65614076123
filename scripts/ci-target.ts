/**
 * `npm run --silent ci:target -- <prod|staging|pr-<n>>`: the environment's account, region, roles,
 * registry, image repositories and stack names as `key=value` lines; workflows append them to
 * $GITHUB_OUTPUT (`>> "$GITHUB_OUTPUT"`). No AWS call. Exit 0, or 2 on a bad argument.
 */
import { EnvironmentConfigError } from "../environments";
import { CiTargetError, ciTarget, ciTargetOutput } from "./lib/ci-target";
import { runCli } from "./lib/run-cli";

function main(): number {
  try {
    process.stdout.write(ciTargetOutput(ciTarget(process.argv[2])));
    return 0;
  } catch (e) {
    if (!(e instanceof CiTargetError) && !(e instanceof EnvironmentConfigError)) throw e;
    console.error(e.message);
    return 2;
  }
}

runCli(main);
