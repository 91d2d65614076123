/** Prints the provider mirror the offline tooling will use, or fails with the reason. */
import { OfflineToolingError, findProviderMirror } from "./lib/offline";

try {
  console.log(`ci: provider mirror ${findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR)}`);
} catch (e) {
  if (e instanceof OfflineToolingError) {
    console.error(`ci: FAIL ${e.message}`);
    process.exit(1);
  }
  throw e;
}
