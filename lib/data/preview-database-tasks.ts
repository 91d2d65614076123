import { Construct } from "constructs";
import { Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Lifecycle } from "../core/lifecycle";
import { applicationName, type DbConnection } from "./database-connection";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";
import { parameterGroupFamily, POSTGRES_ENGINE_VERSION, POSTGRES_PORT } from "./postgres-database";

/** Highest PR number a preview database accepts: keeps `pr_<n>` and every physical name short. */
export const MAX_PR_NUMBER = 99999;

/** The logical database of a preview: `pr_<n>`. Only ever built from a validated integer. */
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
  /** Staging's RDS-managed master secret (JSON keys `username`, `password`); output `db_secret_arn`. */
  readonly dbSecretArn: string;
  /** Security group of staging's database; the preview adds its own ingress rule on it. Output `db_security_group_id`. */
  readonly dbSecurityGroupId: string;
}

/**
 * A preview's connection: staging's instance and master secret, database `pr_<n>`. Reader = the
 * primary (staging has no replica by default).
 */
export function previewDbConnection(shared: SharedDatabase, prNumber: number): DbConnection {
  return {
    host: shared.dbHost,
    port: Token.isUnresolved(shared.dbPort) ? Token.asNumber(shared.dbPort) : Number(shared.dbPort),
    databaseName: previewDatabaseName(prNumber),
    secretArn: shared.dbSecretArn,
    securityGroupId: shared.dbSecurityGroupId,
  };
}

/** Which one-off task: create the preview's database, or drop it. */
export type PreviewDatabaseAction = "db-init" | "db-drop";

export interface PreviewDatabaseTasksProps {
  /** Naming helper of the preview's stack: families `<app>-pr-<n>-db-init`/`-db-drop`, role, log group; its `envName` appears in the ingress rule's description. */
  readonly names: Names;
  /**
   * Lifecycle of the preview: must be the ephemeral tier (these tasks manage a throwaway `pr_<n>`
   * database, never a long-lived environment's); `logRetentionDays` is the default log retention.
   */
  readonly lifecycle: Lifecycle;
  /** The pull request's number, 1–99999: the logical database is `pr_<n>`. */
  readonly prNumber: number;
  /** AWS region the tasks run in, e.g. `us-east-1` (their awslogs driver writes there). */
  readonly region: string;
  /**
   * PostgreSQL version of the server (`"16"` or `"16.4"`); the default psql image follows its major.
   */
  readonly engineVersion: string;
  /** Staging's database, e.g. `previewDbConnection(shared, pr)`. Its `databaseName` must be this preview's. */
  readonly database: DbConnection;
  /**
   * Security group the preview's tasks (these two and its services) run in; it is admitted on 5432
   * to staging's database security group by a rule this preview owns (destroyed with it).
   */
  readonly appSecurityGroupId: string;
  /** psql image; its major should be at least the server's. @default public.ecr.aws/docker/library/postgres:<major>-alpine */
  readonly image?: string;
  /** Log retention in days. @default the lifecycle's `logRetentionDays` (7 in the ephemeral tier) */
  readonly logRetentionDays?: number;
}

/**
 * One-off Fargate task definitions `<app>-pr-<n>-db-init` and `<app>-pr-<n>-db-drop` that create and
 * drop the preview's logical database `pr_<n>` on staging's instance, for the preview workflow to
 * run with `aws ecs run-task` (docs/database.md): init after deploy, before migrations; drop before
 * destroy.
 *
 * - Credentials: staging's RDS-managed master secret through ECS `secrets` (`PGUSER`/`PGPASSWORD`
 *   from its JSON keys); an execution role that may read that one secret and write its log group.
 * - Injection: the name is `pr_<n>` built from the validated PR number only; it reaches psql as a
 *   variable, is quoted with `format('%I')` / `:'db'`, and the SQL refuses any name not matching
 *   `^pr_[0-9]{1,5}$`, so neither task can ever touch staging's own database.
 * - TLS: `PGSSLMODE=require` (the server forces SSL anyway).
 * - Idempotent: init skips an existing database; drop uses `IF EXISTS ... WITH (FORCE)`.
 *
 * Caveat: previews (PR code) hold staging's master credentials, so they can reach every database on
 * staging's instance. Keep staging free of real personal data (docs/database.md).
 *
 * @example
 * new PreviewDatabaseTasks(this, "database-tasks", {
 *   names, lifecycle: lifecycleOf("ephemeral"), prNumber: 42, region: "us-east-1", engineVersion: "16",
 *   database: previewDbConnection(shared, 42), appSecurityGroupId: appSg.id,
 * });
 * Cost: pennies per run (Fargate 0.25 vCPU for seconds). Tested via: test/constructs/preview-database-tasks.test.ts
 */
export class PreviewDatabaseTasks extends Construct {
  /** `pr_<n>`. */
  readonly databaseName: string;
  /** Task definition families, for `aws ecs run-task --task-definition <family>`. */
  readonly families: Readonly<Record<PreviewDatabaseAction, string>>;
  readonly resources: {
    readonly taskDefinitions: Readonly<Record<PreviewDatabaseAction, EcsTaskDefinition>>;
    readonly executionRole: IamRole;
    readonly logGroup: CloudwatchLogGroup;
    readonly ingress: VpcSecurityGroupIngressRule;
  };

  constructor(scope: Construct, id: string, props: PreviewDatabaseTasksProps) {
    super(scope, id);
    const { names, database, lifecycle } = props;
    if (lifecycle.tier !== "ephemeral")
      throw new ConfigError(this, "lifecycle", `is the ${lifecycle.tier} tier; db-init/db-drop are for ephemeral pr-<n> databases on a long-lived instance`);
    const pr = props.prNumber;
    if (!Number.isInteger(pr) || pr < 1 || pr > MAX_PR_NUMBER)
      throw new ConfigError(this, "prNumber", `${JSON.stringify(pr)} is not a whole number from 1 to ${MAX_PR_NUMBER}`);
    const databaseName = previewDatabaseName(pr);
    if (database.databaseName !== databaseName)
      throw new ConfigError(this, "database.databaseName", `${JSON.stringify(database.databaseName)} is not this preview's database; use previewDbConnection(shared, ${pr}) (database ${databaseName})`);
    if (props.image === undefined && !POSTGRES_ENGINE_VERSION.test(props.engineVersion))
      throw new ConfigError(this, "engineVersion", `${JSON.stringify(props.engineVersion)} is not a PostgreSQL version; use "16" or "16.4" (the psql image follows its major)`);
    const major = parameterGroupFamily(props.engineVersion).replace("postgres", "");
    const cfg = {
      image: props.image ?? `public.ecr.aws/docker/library/postgres:${major}-alpine`,
      logRetentionDays: props.logRetentionDays ?? lifecycle.logRetentionDays,
    };

    const logGroup = new CloudwatchLogGroup(this, "logs", { name: names.logGroup("db-tasks"), retentionInDays: cfg.logRetentionDays });

    const assume = new DataAwsIamPolicyDocument(this, "execution-assume", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }] }],
    });
    const executionRole = new IamRole(this, "execution-role", { name: names.of("db-tasks-execution", { max: 64 }), assumeRolePolicy: assume.json });
    const permissions = new DataAwsIamPolicyDocument(this, "execution-permissions", {
      statement: [
        // The one secret; ECS resolves the JSON keys itself. The RDS-managed secret uses the
        // aws/secretsmanager key, whose policy already lets the account's principals decrypt.
        { sid: "ReadDatabaseSecret", actions: ["secretsmanager:GetSecretValue"], resources: [database.secretArn] },
        { sid: "WriteTaskLogs", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logGroup.arn}:*`] },
      ],
    });
    new IamRolePolicy(this, "execution-policy", { role: executionRole.id, policy: permissions.json });

    const ingress = new VpcSecurityGroupIngressRule(this, "database-ingress", {
      securityGroupId: database.securityGroupId,
      referencedSecurityGroupId: props.appSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      description: `Postgres from ${names.envName} tasks`,
      tags: { Name: names.of("db-ingress") },
    });

    const port = Token.isUnresolved(database.port) ? Token.asString(database.port) : String(database.port);
    const definition = (action: PreviewDatabaseAction) =>
      new EcsTaskDefinition(this, action, {
        family: names.of(action),
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: executionRole.arn,
        containerDefinitions: JSON.stringify([
          {
            name: "psql",
            image: cfg.image,
            essential: true,
            entryPoint: ["sh", "-c"],
            command: [PREVIEW_DATABASE_SCRIPTS[action]],
            environment: [
              { name: "PGHOST", value: database.host },
              { name: "PGPORT", value: port },
              // Connect to the maintenance database: the preview's may not exist yet (or is being dropped).
              { name: "PGDATABASE", value: "postgres" },
              { name: "PGSSLMODE", value: "require" },
              { name: "PGAPPNAME", value: applicationName(names.prefix, "db-admin") },
              { name: "PREVIEW_DATABASE", value: databaseName },
            ],
            secrets: [
              { name: "PGUSER", valueFrom: `${database.secretArn}:username::` },
              { name: "PGPASSWORD", valueFrom: `${database.secretArn}:password::` },
            ],
            logConfiguration: {
              logDriver: "awslogs",
              options: { "awslogs-group": logGroup.name, "awslogs-region": props.region, "awslogs-stream-prefix": action },
            },
          },
        ]),
      });
    const taskDefinitions = { "db-init": definition("db-init"), "db-drop": definition("db-drop") };

    this.databaseName = databaseName;
    this.families = { "db-init": taskDefinitions["db-init"].family, "db-drop": taskDefinitions["db-drop"].family };
    this.resources = { taskDefinitions, executionRole, logGroup, ingress };
  }
}

/**
 * The scripts, fixed text (no interpolation at synth). The name arrives in `$PREVIEW_DATABASE`,
 * is passed to psql as a variable (`-v db=...`, double-quoted for the shell), and used only through
 * psql's quoting (`:'db'`) and `format('%I')`; the `WHERE ... ~ '^pr_[0-9]{1,5}$'` guard means a
 * wrong value does nothing at all. `\gexec` runs the generated statement (CREATE/DROP DATABASE
 * cannot run inside a function or DO block).
 */
export const PREVIEW_DATABASE_SCRIPTS: Readonly<Record<PreviewDatabaseAction, string>> = {
  "db-init": [
    'set -eu',
    'psql -v ON_ERROR_STOP=1 -v db="$PREVIEW_DATABASE" <<\'SQL\'',
    "SELECT format('CREATE DATABASE %I', :'db') WHERE :'db' ~ '^pr_[0-9]{1,5}$' AND NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec",
    "SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') WHERE :'db' ~ '^pr_[0-9]{1,5}$'\\gexec",
    'SQL',
    'echo "database $PREVIEW_DATABASE ready"',
  ].join("\n"),
  "db-drop": [
    'set -eu',
    'psql -v ON_ERROR_STOP=1 -v db="$PREVIEW_DATABASE" <<\'SQL\'',
    "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') WHERE :'db' ~ '^pr_[0-9]{1,5}$'\\gexec",
    'SQL',
    'echo "database $PREVIEW_DATABASE dropped"',
  ].join("\n"),
};
