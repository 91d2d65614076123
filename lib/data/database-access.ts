import type { Connection } from "../compute/connection";
import { databaseSettings, type DbEndpoints } from "./database-connection";

/** What a workload may do with the database: nothing, read the replica, or write the primary. */
export type DatabaseAccess = "none" | "read" | "write";

/**
 * The database as a typed connection for a workload (FargateTask `connections`):
 * - `write`: the primary (`DATABASE_HOST`, `PGHOST`) plus the reader settings (`DATABASE_READ_*`);
 * - `read`: the reader only (`DATABASE_READ_*`, `PGHOST` = the reader); no primary host at all, so
 *   long reads cannot land on the hot primary by accident.
 * Credentials travel only as ECS secrets from the database secret. `applicationName` becomes
 * `PGAPPNAME` (at most 63 bytes, Postgres' limit) so `pg_stat_activity` names the workload.
 * The database's security group admits the app tasks' group (PostgresDatabase `allowFrom`), so
 * this connection needs no network grant of its own.
 *
 * Tested via: test/stacks/workloads.test.ts, test/constructs/scheduled-task.test.ts
 */
export function databaseAccess(endpoints: DbEndpoints, access: Exclude<DatabaseAccess, "none">, applicationName: string): Connection {
  const db = databaseSettings(endpoints, access === "write" ? "worker" : "cron", "");
  const environment: Record<string, string> = { ...db.environment, PGAPPNAME: applicationName.slice(0, 63) };
  if (access === "read") {
    delete environment.DATABASE_HOST;
    delete environment.DATABASE_PORT;
  }
  return { environment, secrets: db.secrets };
}
