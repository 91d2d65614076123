/**
 * How stacks reach AWS. `online` is the real thing: S3 state, assumed deploy roles.
 * `offline` is for plans without an AWS account: local state in `stateDir`, dummy credentials,
 * no network calls. Offline stacks can never deploy (scripts/deploy.ts refuses, and their
 * credentials are fake).
 */
export type Deployment =
  | { readonly mode: "online" }
  | {
      readonly mode: "offline";
      /** Absolute folder for local state files (and the seeded upstream state previews read). */
      readonly stateDir: string;
    };
