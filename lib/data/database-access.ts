import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { Connection } from "../compute/connection";
import { connectArn, portString, type DbEndpoints } from "./database-connection";
import type { DatabaseUserKind } from "./database-roles";
import { DATABASE_AUTH_IAM, DATABASE_ENV, DATABASE_SSLMODE } from "../../runtime/database-contract";

/** What a workload may do with the database: nothing, read the replica, or write the primary. */
export type DatabaseAccess = "none" | "read" | "write";

/**
 * The database as a typed connection for a workload (FargateTask `connections`), as the one
 * database user its access names (`endpoints.users`):
 * - `write`: user `app_writer` on the primary (`DATABASE_HOST`, `PGHOST`) and the reader
 *   (`DATABASE_READ_*`);
 * - `migration`: user `app_migrator` (owns the schema) on the primary;
 * - `read`: user `app_reader` on the reader only (`DATABASE_READ_*`, `PGHOST` = the reader); no
 *   primary host at all, so long reads cannot land on the hot primary by accident.
 *
 * No password and no secret: the task role may `rds-db:connect` as exactly that user on exactly
 * those instances, and the process signs a fresh IAM auth token per new connection
 * (runtime/database.ts reads `DATABASE_*`). TLS is `verify-full` against the RDS CA.
 * `applicationName` (build it with `applicationName(prefix, process)`) becomes `PGAPPNAME`, cut to
 * Postgres' 63 bytes, so `pg_stat_activity` names the workload.
 * The database's security group admits the app tasks' group (PostgresDatabase `allowFrom`), so
 * this connection needs no network grant of its own.
 *
 * Tested via: test/stacks/workloads.test.ts, test/constructs/scheduled-task.test.ts
 */
export function databaseAccess(endpoints: DbEndpoints, access: Exclude<DatabaseAccess, "none"> | "migration", applicationName: string): Connection {
  const kind: DatabaseUserKind = access;
  const user = endpoints.users[kind];
  const { primary } = endpoints;
  const reader = endpoints.reader ?? primary;
  const target = kind === "read" ? reader : primary;
  const reachable = kind === "read" ? [reader] : kind === "write" ? [primary, reader] : [primary];
  const environment: Record<string, string> = {
    ...(kind === "read" ? {} : { [DATABASE_ENV.host]: primary.host, [DATABASE_ENV.port]: portString(primary.port) }),
    ...(kind === "migration" ? {} : { [DATABASE_ENV.readHost]: reader.host, [DATABASE_ENV.readPort]: portString(reader.port) }),
    [DATABASE_ENV.name]: primary.databaseName,
    [DATABASE_ENV.user]: user,
    [DATABASE_ENV.auth]: DATABASE_AUTH_IAM,
    [DATABASE_ENV.region]: endpoints.region,
    [DATABASE_ENV.sslMode]: DATABASE_SSLMODE,
    // libpq's own variables, for psql and drivers that read them (the token still comes from the helper).
    PGHOST: target.host,
    PGPORT: portString(target.port),
    PGDATABASE: primary.databaseName,
    PGUSER: user,
    PGSSLMODE: DATABASE_SSLMODE,
    PGAPPNAME: applicationName.slice(0, 63),
  };
  return {
    environment,
    bind: (scope, workload) => {
      const policy = new DataAwsIamPolicyDocument(scope, "database-connect", {
        statement: [{ sid: "ConnectAsOwnDatabaseUser", actions: ["rds-db:connect"], resources: [...new Set(reachable.map((e) => connectArn(e, user)))] }],
      });
      new IamRolePolicy(scope, "database-connect-policy", { role: workload.taskRole.id, policy: policy.json });
    },
  };
}
