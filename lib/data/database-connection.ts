/**
 * The contract between the database and whatever connects to it (services, scheduled tasks,
 * one-off tasks): a typed endpoint per instance, the users by kind, and the container settings
 * derived from them. App processes authenticate with IAM database authentication (a 15-minute
 * token per new connection, runtime/database.ts), so no password travels to them at all; only
 * one-off admin tasks read the master secret (DatabaseAdminTasks).
 *
 * Tested via: test/constructs/postgres-database.test.ts, test/stacks/workloads.test.ts
 */
import { Fn, Token } from "cdktf";
import type { DatabaseUserKind } from "./database-roles";

/** One Postgres instance's endpoint. Values are tokens of the DbInstance (or of staging's outputs in a preview). */
export interface DbConnection {
  /** DNS name of the instance (no port): also the name its TLS certificate carries (verify-full). */
  readonly host: string;
  /** TCP port, 5432. */
  readonly port: number;
  /** Logical database to connect to (`app`; `pr_<n>` in a preview). */
  readonly databaseName: string;
  /**
   * `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>` of the instance: a workload may
   * connect as user `u` when its task role allows `rds-db:connect` on `<prefix>/u`.
   */
  readonly connectArnPrefix: string;
  /** Security group of the database; a client adds an ingress rule on it from its own group. */
  readonly securityGroupId: string;
}

/** Where processes read from and write to, and as whom. */
export interface DbEndpoints {
  /** Read-write primary. */
  readonly primary: DbConnection;
  /** Read-only endpoint for reporting and cron reads. @default the primary (no replicas) */
  readonly reader?: DbConnection;
  /** The database user each kind of access connects as (`app_writer`, ...; `pr_<n>` for all in a preview). */
  readonly users: Readonly<Record<DatabaseUserKind, string>>;
  /** Region of the instances: the IAM auth token is signed for it (`DATABASE_REGION`). */
  readonly region: string;
}

/** `application_name` for a process: at most 63 bytes (Postgres' limit). */
export function applicationName(appPrefix: string, process: string): string {
  return `${appPrefix}-${process}`.slice(0, 63);
}

/**
 * A port for an ECS environment value. A port from a DbInstance is a number token; ECS environment
 * values must be JSON strings, and jsonencode() writes a number attribute unquoted (the provider
 * then rejects the task definition at apply), so convert in Terraform with tostring().
 */
export function portString(port: number): string {
  return Token.isUnresolved(port) ? Fn.tostring(port) : String(port);
}

/** The IAM resource for connecting to `endpoint` as `user` (`rds-db:connect`). */
export function connectArn(endpoint: DbConnection, user: string): string {
  return `${endpoint.connectArnPrefix}/${user}`;
}
