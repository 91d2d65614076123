import type { Construct } from "constructs";
import { Token } from "cdktf";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Lifecycle } from "../core/lifecycle";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";
import type { DbConnection, DbEndpoints } from "./database-connection";
import { DatabaseAdminTasks, psqlScript } from "./database-admin-tasks";
import { PREVIEW_DROP_SQL, PREVIEW_INIT_SQL, PREVIEW_NAME_PATTERN, PREVIEW_SCHEMA_SQL } from "./database-roles";
import { POSTGRES_PORT } from "./postgres-database";

/** Highest PR number a preview database accepts: keeps `pr_<n>` and every physical name short. */
export const MAX_PR_NUMBER = 99999;

/** The logical database of a preview, and its one database user: `pr_<n>`. Only ever built from a validated integer. */
export function previewDatabaseName(prNumber: number): `pr_${number}` {
  if (!Number.isInteger(prNumber) || prNumber < 1 || prNumber > MAX_PR_NUMBER)
    throw new Error(`PR number ${JSON.stringify(prNumber)} is not a whole number from 1 to ${MAX_PR_NUMBER}`);
  return `pr_${prNumber}`;
}

/** Staging's database as previews receive it through shared state (stacks/shared-state.ts rows db*). */
export interface SharedDatabase {
  /** DNS name of staging's instance (no port); output `db_host`. */
  readonly dbHost: string;
  /** Port as a string (Terraform outputs are strings here). */
  readonly dbPort: string;
  /** Staging's master secret (JSON keys `username`, `password`), for db-init/db-drop only; output `db_secret_arn`. */
  readonly dbSecretArn: string;
  /** `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>` of staging's instance; output `db_connect_arn_prefix`. */
  readonly dbConnectArnPrefix: string;
  /** Security group of staging's database; the preview adds its own ingress rule on it. Output `db_security_group_id`. */
  readonly dbSecurityGroupId: string;
}

/**
 * A preview's database: staging's instance, database `pr_<n>`, and one user `pr_<n>` for every
 * kind of access (reader = the primary: staging has no replica by default).
 */
export function previewDbEndpoints(shared: SharedDatabase, prNumber: number, region: string): DbEndpoints {
  const name = previewDatabaseName(prNumber);
  const primary: DbConnection = {
    host: shared.dbHost,
    port: Token.isUnresolved(shared.dbPort) ? Token.asNumber(shared.dbPort) : Number(shared.dbPort),
    databaseName: name,
    connectArnPrefix: shared.dbConnectArnPrefix,
    securityGroupId: shared.dbSecurityGroupId,
  };
  return { primary, users: { write: name, read: name, migration: name }, region };
}

/** Which one-off task: create the preview's user and database, or drop them. */
export type PreviewDatabaseAction = "db-init" | "db-drop";

export interface PreviewDatabaseTasksProps {
  /** Naming helper of the preview's stack: families `<app>-pr-<n>-db-init`/`-db-drop`, role, log group; its `envName` appears in the ingress rule's description. */
  readonly names: Names;
  /**
   * Lifecycle of the preview: must be the ephemeral tier (these tasks manage a throwaway `pr_<n>`
   * database, never a long-lived environment's); `logRetentionDays` is the log retention.
   */
  readonly lifecycle: Lifecycle;
  /** The pull request's number, 1–99999: the logical database and its user are `pr_<n>`. */
  readonly prNumber: number;
  /** AWS region the tasks run in, e.g. `us-east-1`. */
  readonly region: string;
  /** PostgreSQL version of the server (`"16"` or `"16.4"`); the default psql image follows its major. */
  readonly engineVersion: string;
  /** Staging's database, e.g. `previewDbEndpoints(shared, pr, region).primary`. Its `databaseName` must be this preview's. */
  readonly database: DbConnection;
  /** Staging's master secret (`SharedDatabase.dbSecretArn`): only these two tasks read it. */
  readonly masterSecretArn: string;
  /**
   * Security group the preview's tasks (these two and its services) run in; it is admitted on 5432
   * to staging's database security group by a rule this preview owns (destroyed with it).
   */
  readonly appSecurityGroupId: string;
  /** psql image; its major should be at least the server's. @default public.ecr.aws/docker/library/postgres:<major>-alpine */
  readonly image?: string;
}

/**
 * One-off tasks `<app>-pr-<n>-db-init` and `<app>-pr-<n>-db-drop` (DatabaseAdminTasks) that create
 * and drop the preview's user and database `pr_<n>` on staging's instance, for the preview workflow
 * to run with `aws ecs run-task` (docs/database.md): init after deploy, before migrations; drop
 * before destroy.
 *
 * - Users: db-init creates login role `pr_<n>` (IAM auth, `rds_iam`), database `pr_<n>` that only
 *   it may connect to, and schema `app` it owns; the preview's services, cron jobs and migration
 *   connect as `pr_<n>` and can reach no other database (staging's `app`, other previews').
 * - Injection: the name is `pr_<n>` built from the validated PR number only; the shell refuses any
 *   other value, psql receives it as a variable, quotes it with `format('%I')`, and every
 *   statement is guarded by `^pr_[0-9]{1,5}$`, so neither task can ever touch staging's database.
 * - Idempotent: init skips what exists; drop uses `IF EXISTS` and `WITH (FORCE)`.
 *
 * @example
 * const db = previewDbEndpoints(shared, 42, "us-east-1");
 * new PreviewDatabaseTasks(this, "database-tasks", {
 *   names, lifecycle: lifecycleOf("ephemeral"), prNumber: 42, region: "us-east-1", engineVersion: "16",
 *   database: db.primary, masterSecretArn: shared.dbSecretArn, appSecurityGroupId: appSg.id,
 * });
 * Cost: pennies per run. Tested via: test/constructs/preview-database-tasks.test.ts, test/db/roles.test.ts
 */
export class PreviewDatabaseTasks extends DatabaseAdminTasks {
  /** `pr_<n>`. */
  readonly databaseName: string;
  /** The rule admitting the preview's tasks to staging's database. */
  readonly ingress: VpcSecurityGroupIngressRule;

  constructor(scope: Construct, id: string, props: PreviewDatabaseTasksProps) {
    const { names, database, lifecycle } = props;
    // A subclass, not a child construct: the task definitions, role and log group keep the
    // Terraform addresses previews already have (database-tasks/db-init, ...).
    const pr = props.prNumber;
    // Checked before super() builds anything.
    if (lifecycle.tier !== "ephemeral")
      throw ConfigError.before(scope, id, "lifecycle", `is the ${lifecycle.tier} tier; db-init/db-drop are for ephemeral pr-<n> databases on a long-lived instance`);
    if (!Number.isInteger(pr) || pr < 1 || pr > MAX_PR_NUMBER)
      throw ConfigError.before(scope, id, "prNumber", `${JSON.stringify(pr)} is not a whole number from 1 to ${MAX_PR_NUMBER}`);
    const databaseName = previewDatabaseName(pr);
    if (database.databaseName !== databaseName)
      throw ConfigError.before(scope, id, "database.databaseName", `${JSON.stringify(database.databaseName)} is not this preview's database; use previewDbEndpoints(shared, ${pr}, region) (database ${databaseName})`);
    super(scope, id, {
      names,
      lifecycle,
      region: props.region,
      engineVersion: props.engineVersion,
      image: props.image,
      database,
      masterSecretArn: props.masterSecretArn,
      tasks: {
        "db-init": { script: PREVIEW_DATABASE_SCRIPTS["db-init"], environment: { PREVIEW_DATABASE: databaseName } },
        "db-drop": { script: PREVIEW_DATABASE_SCRIPTS["db-drop"], environment: { PREVIEW_DATABASE: databaseName } },
      },
    });

    const ingress = new VpcSecurityGroupIngressRule(this, "database-ingress", {
      securityGroupId: database.securityGroupId,
      referencedSecurityGroupId: props.appSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      description: `Postgres from ${names.envName} tasks`,
      tags: { Name: names.of("db-ingress") },
    });

    this.databaseName = databaseName;
    this.ingress = ingress;
  }
}

/**
 * The shell refuses a name that is not `pr_<n>` before psql runs at all: one line (grep matches
 * line by line, so a newline is refused on its own) that matches the pattern whole.
 */
const REFUSE_BAD_NAME = `{ [ "$(printf '%s' "$PREVIEW_DATABASE" | wc -l)" -eq 0 ] && printf '%s' "$PREVIEW_DATABASE" | grep -Eqx '${PREVIEW_NAME_PATTERN}'; } || { echo "refusing database name $PREVIEW_DATABASE: not pr_<n>" >&2; exit 2; }`;

/**
 * The scripts, fixed text (no interpolation at synth). The name arrives in `$PREVIEW_DATABASE`
 * and reaches psql as a variable (`-v db=...`) or as the database to connect to; database-roles.ts
 * has the SQL.
 */
export const PREVIEW_DATABASE_SCRIPTS: Readonly<Record<PreviewDatabaseAction, string>> = {
  "db-init": [
    REFUSE_BAD_NAME,
    psqlScript(PREVIEW_INIT_SQL, '-d postgres -v db="$PREVIEW_DATABASE"'),
    psqlScript(PREVIEW_SCHEMA_SQL, '-d "$PREVIEW_DATABASE"'),
    'echo "database and user $PREVIEW_DATABASE ready"',
  ].join("\n"),
  "db-drop": [
    REFUSE_BAD_NAME,
    psqlScript(PREVIEW_DROP_SQL, '-d postgres -v db="$PREVIEW_DATABASE"'),
    'echo "database and user $PREVIEW_DATABASE dropped"',
  ].join("\n"),
};
