import { EnvironmentConfigError } from "../../environments";
import { OfflineToolingError } from "./offline";

/**
 * Runs a script's `main` and exits with its code. Known input errors (a bad environment value,
 * missing terraform or provider mirror) print their message and exit 1 without a stack trace;
 * anything else is a bug and is rethrown.
 */
export function runCli(main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        if (e instanceof EnvironmentConfigError || e instanceof OfflineToolingError) {
          console.error(e.message);
          process.exit(1);
        }
        throw e;
      },
    );
}
