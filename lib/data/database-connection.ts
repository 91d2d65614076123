/**
 * The contract between the database and whatever connects to it (services, scheduled tasks,
 * one-off tasks): a typed endpoint, and the ECS container settings derived from it. Credentials
 * only ever travel as ECS `secrets` (resolved by the ECS agent from Secrets Manager at task start),
 * never as plain environment variables, Terraform outputs or literals.
 *
 * Tested via: test/constructs/postgres-database.test.ts
 */
import { Fn, Token } from "cdktf";

/** One Postgres endpoint. Values are tokens of the DbInstance (or of staging's outputs in a preview). */
export interface DbConnection {
  /** DNS name of the instance (no port). */
  readonly host: string;
  /** TCP port, 5432. */
  readonly port: number;
  /** Logical database to connect to (`app`; `pr_<n>` in a preview). */
  readonly databaseName: string;
  /** Secrets Manager secret (RDS-managed) holding JSON keys `username` and `password`. */
  readonly secretArn: string;
  /** Security group of the database; a client adds an ingress rule on it from its own group. */
  readonly securityGroupId: string;
}

/** Where a process reads from and writes to. */
export interface DbEndpoints {
  /** Read-write primary. */
  readonly primary: DbConnection;
  /** Read-only endpoint for reporting and cron reads. @default the primary (no replicas) */
  readonly reader?: DbConnection;
}

/**
 * Kind of process connecting, which becomes its Postgres `application_name` (`<app>-<env>-<kind>`)
 * so `pg_stat_activity` (and lock waits in the log) show who holds a lock. `cron` and `reporting`
 * default their plain libpq connection (PGHOST) to the reader: long reads stay off the hot primary.
 */
export type DbProcessKind = "web" | "backend" | "worker" | "cron" | "reporting" | "migration" | "db-admin";

/** Kinds whose default connection (PGHOST) is the reader. */
export const READER_FIRST_KINDS: readonly DbProcessKind[] = ["cron", "reporting"];

/** A value ECS resolves from Secrets Manager at task start (JSON key of the secret). */
export interface DbTaskSecret {
  /** ARN of the Secrets Manager secret (the RDS-managed master secret). */
  readonly arn: string;
  /** JSON key inside the secret's value, `username` or `password`; ECS reads `<arn>:<jsonKey>::`. */
  readonly jsonKey: string;
}

/** What a container needs, in the shape FargateTask/FargateService take (`environment`, `secrets`). */
export interface ContainerDbSettings {
  /** Plain environment: hosts, ports, names, SSL mode, application name. No credentials. */
  readonly environment: Readonly<Record<string, string>>;
  /** ECS `secrets`: user and password from the secret's JSON keys (`<arn>:<key>::`). */
  readonly secrets: Readonly<Record<string, DbTaskSecret>>;
  /** Secrets the task's execution role must be allowed to read (`secretsmanager:GetSecretValue`). */
  readonly secretArns: readonly string[];
  /** Security group the task's own group needs an ingress rule on (port 5432). */
  readonly securityGroupId: string;
}

/**
 * What a container needs to reach the database:
 * - `DATABASE_HOST` / `DATABASE_PORT` / `DATABASE_NAME`: the primary (writes, and reads that must
 *   see them); `DATABASE_READ_HOST` / `DATABASE_READ_PORT`: the reader (the primary when there is
 *   no replica), for reporting and long reads. `DATABASE_SSLMODE=require` (the server forces TLS).
 * - libpq's own variables, so `psql` and most drivers work unchanged: `PGHOST` (primary, or the
 *   reader for `cron`/`reporting`), `PGPORT`, `PGDATABASE`, `PGSSLMODE=require`, and `PGAPPNAME`
 *   = `application_name` = `<app>-<env>-<kind>` (env included: previews share staging's instance).
 * - secrets `DATABASE_USER` / `DATABASE_PASSWORD` (and `PGUSER` / `PGPASSWORD`) from the
 *   RDS-managed secret's JSON keys `username` / `password`.
 *
 * RDS rotates the managed password (every 7 days by default) and tasks read it when they start:
 * long-lived tasks must be replaced (any deploy does) or reconnect after re-reading the secret.
 *
 * @example
 * const db = databaseSettings(database, "web", names.prefix);
 * new FargateService(this, "web", { ..., task: { environment: { ...own, ...db.environment }, secrets: db.secrets } });
 */
export function databaseSettings(endpoints: DbEndpoints, kind: DbProcessKind, appPrefix: string): ContainerDbSettings {
  const { primary } = endpoints;
  const reader = endpoints.reader ?? primary;
  const preferred = READER_FIRST_KINDS.includes(kind) ? reader : primary;
  // A port from a DbInstance is a number token. ECS environment values must be JSON strings, and
  // jsonencode() writes a number attribute unquoted (the provider then rejects the task
  // definition at apply), so convert in Terraform with tostring().
  const port = (n: number) => (Token.isUnresolved(n) ? Fn.tostring(n) : String(n));
  return {
    environment: {
      DATABASE_HOST: primary.host,
      DATABASE_PORT: port(primary.port),
      DATABASE_NAME: primary.databaseName,
      DATABASE_READ_HOST: reader.host,
      DATABASE_READ_PORT: port(reader.port),
      DATABASE_SSLMODE: "require",
      PGHOST: preferred.host,
      PGPORT: port(preferred.port),
      PGDATABASE: primary.databaseName,
      PGSSLMODE: "require",
      PGAPPNAME: applicationName(appPrefix, kind),
    },
    secrets: secretEntries(primary.secretArn),
    secretArns: [primary.secretArn],
    securityGroupId: primary.securityGroupId,
  };
}

/** `application_name` for a process kind: `<app>-<env>-<kind>`, at most 63 bytes (Postgres' limit). */
export function applicationName(appPrefix: string, kind: DbProcessKind): string {
  return `${appPrefix}-${kind}`.slice(0, 63);
}

/** ECS secrets for the RDS-managed master secret (JSON keys `username`, `password`). */
export function secretEntries(secretArn: string): Record<string, DbTaskSecret> {
  return {
    DATABASE_USER: { arn: secretArn, jsonKey: "username" },
    DATABASE_PASSWORD: { arn: secretArn, jsonKey: "password" },
    PGUSER: { arn: secretArn, jsonKey: "username" },
    PGPASSWORD: { arn: secretArn, jsonKey: "password" },
  };
}
