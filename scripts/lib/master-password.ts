/**
 * The database master password's only source: a fresh random value per Terraform run, from Node's
 * CSPRNG, handed to the terraform child process as `TF_VAR_db_master_password` and nowhere else
 * (never printed, never written to a file). The variable is ephemeral and feeds only write-only
 * attributes, so Terraform ignores it unless the instance is being created or
 * `database.masterPasswordVersion` rose; then the instance and the master secret both get it in
 * the same apply.
 */
import { randomBytes } from "node:crypto";
import { MASTER_PASSWORD_VARIABLE } from "../../stacks/stack-inputs";
import { RDS_MASTER_PASSWORD } from "../../lib/data/postgres-database";

/** 32 random bytes as base64url: 43 characters from A-Z a-z 0-9 - _ (all allowed by RDS). */
export function generateMasterPassword(): string {
  const password = randomBytes(32).toString("base64url");
  if (!RDS_MASTER_PASSWORD.test(password)) throw new Error("generated master password does not meet the RDS rule (cannot happen with base64url)");
  return password;
}

/** `env` plus `TF_VAR_db_master_password` (a fresh random one), unless the caller set it already. */
export function withMasterPassword(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const name = `TF_VAR_${MASTER_PASSWORD_VARIABLE}`;
  return env[name] ? env : { ...env, [name]: generateMasterPassword() };
}
