import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DbInstance, type DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Lifecycle } from "../core/lifecycle";

/** PostgreSQL engine version: major (12+) or major.minor, e.g. "16" or "16.4". */
export const POSTGRES_ENGINE_VERSION = /^(1[2-9]|[2-9][0-9])(\.[0-9]{1,2})?$/;

/** Fewest days of RDS automated backups (point-in-time restore window) the protected tier accepts. */
export const PROTECTED_MIN_BACKUP_DAYS = 14;
import { DatabaseAlarms } from "../observability/database-alarms";
import type { DbConnection, DbEndpoints } from "./database-connection";
import { APP_DATABASE_USERS, type DatabaseUserKind } from "./database-roles";
import { ConfigError } from "../core/errors";
import type { NetworkAttributes } from "../network/network";
import type { Names } from "../core/naming";

/** Largest value of a PostgreSQL integer parameter (statement_timeout, max_standby_*_delay). */
const PG_INT_MAX = 2_147_483_647;

/** Postgres' port. Fixed: every client, SG rule and doc assumes it. */
export const POSTGRES_PORT = 5432;

/** Log types exported to CloudWatch (each gets a log group with the tier's retention). */
export const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** AWS-managed policy enhanced monitoring's role needs (an AWS constant, not a resource of ours). */
const ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";

/** Parameter group family of an engine version: `"16.4"` → `postgres16`. */
export function parameterGroupFamily(engineVersion: string): string {
  return `postgres${engineVersion.split(".")[0]}`;
}

/**
 * What the instance is: engine, size, storage, replicas, backups, availability and origin.
 * Extra fields are ignored (an environment's database section, backup plan included, can be
 * passed in as is; the backup plan is DatabaseBackups' concern).
 */
export interface PostgresSettings {
  /**
   * PostgreSQL version: a major (`"16"`, lets auto minor upgrades land without plan drift) or
   * major.minor (`"16.4"`, a pin: update it after AWS upgrades the minor, or the plan tries to
   * downgrade). The parameter group family (`postgres16`) follows the major.
   */
  readonly engineVersion: string;
  /** RDS instance class, e.g. `db.t4g.medium`; alarm thresholds (memory, connections) follow it. */
  readonly instanceClass: string;
  /** Initial allocated storage in GiB (gp3, 20 or more). */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling in GiB; must be above `allocatedStorageGiB`. */
  readonly maxAllocatedStorageGiB: number;
  /** Read replicas in other AZs (reporting, cron reads); they need `backupRetentionDays >= 1`. */
  readonly readReplicas: number;
  /**
   * RDS automated backups (point-in-time restore window), 0–35 days; at least
   * `PROTECTED_MIN_BACKUP_DAYS` (14) when the lifecycle protects state.
   */
  readonly backupRetentionDays: number;
  /** Synchronous standby in a second AZ with automatic failover; required when the lifecycle protects state. */
  readonly multiAz: boolean;
  /**
   * Create the instance from a snapshot (identifier, or ARN of a snapshot shared from another
   * account) instead of empty; then `databaseName`/`masterUsername` come from the snapshot.
   * Changing it replaces the instance. @default none (a fresh, empty instance)
   */
  readonly restoreFrom?: { readonly snapshot: string };
}

/**
 * The master password as Terraform receives it: an ephemeral input variable (never in state, plan
 * or synthesized JSON) written only to write-only attributes, the instance's `password_wo` and the
 * master secret's `secret_string_wo`. Terraform sends it to AWS only when the instance is created
 * or `version` changes: bump `version` to rotate.
 */
export interface MasterPassword {
  /** Token of an ephemeral, sensitive variable (e.g. `var.db_master_password`). */
  readonly value: string;
  /** Rotation counter, 1 or more: raising it writes the current `value` to the instance and the secret. */
  readonly version: number;
}

/** RDS for PostgreSQL's master password rule: 8-128 printable ASCII characters except `/`, `"`, `@` and space. */
export const RDS_MASTER_PASSWORD = /^[!#-.0-?A-~]{8,128}$/;

export interface PostgresDatabaseProps {
  /** Naming helper of the stack: identifiers (`<app>-<env>-db`, ...); its `envName` appears in descriptions. */
  readonly names: Names;
  /** Engine, class, storage, replicas, backups, multi-AZ and restore source of the instance. */
  readonly database: PostgresSettings;
  /**
   * Lifecycle of the environment: `protectState` drives deletion protection, `prevent_destroy`,
   * the final snapshot, kept automated backups and changes held for the maintenance window, and
   * the checks on backups and multi-AZ; `logRetentionDays` the exported logs' retention. The
   * ephemeral tier is refused: an instance does not tear down in minutes (previews get a logical
   * database on a long-lived instance, see PreviewDatabaseTasks).
   */
  readonly lifecycle: Lifecycle;
  /**
   * AZs of the network, in its subnet order: a single-AZ primary is pinned to the first, replicas
   * go to the following ones (round robin).
   */
  readonly availabilityZones: readonly string[];
  /** AWS region of the instances, e.g. `us-east-1`: workloads sign their IAM auth tokens for it. */
  readonly region: string;
  /** Network whose isolated subnets (no route out) host the instances. */
  readonly network: NetworkAttributes;
  /** SNS topic the database alarms publish to. */
  readonly alarmTopicArn: string;
  /**
   * Security groups admitted on 5432 (one `aws_vpc_security_group_ingress_rule` each, by
   * referenced group: never a CIDR). More can be added later with `allowFrom()`. @default []
   */
  readonly allowFrom?: readonly string[];
  /** Logical database created on the primary. Ignored when restoring (the snapshot has its own). @default "app" */
  readonly databaseName?: string;
  /** Master user name; only one-off admin tasks (bootstrap, db-init, db-drop) ever use it. @default "app_admin" */
  readonly masterUsername?: string;
  /**
   * The master password's source and rotation counter. The kit owns the master secret
   * (`<app>-<env>-db-master`, JSON keys `username`, `password`, `host`, `port`, `dbname`), not RDS:
   * RDS refuses to create a read replica of an instance whose master password it manages in
   * Secrets Manager (RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager",
   * Limitations), and a replica is what reporting reads from.
   */
  readonly masterPassword: MasterPassword;
  /**
   * `statement_timeout` on the primary in ms: cuts runaway queries. Sessions that need longer
   * (migrations, batch jobs) raise it with `SET statement_timeout`. @default 30000 (above the 25 s request timeout)
   */
  readonly statementTimeoutMs?: number;
  /**
   * `statement_timeout` on replicas in ms: reports may run far longer than requests. @default 7200000 (2 h)
   */
  readonly replicaStatementTimeoutMs?: number;
  /**
   * How replicas serve long reads. `hot_standby_feedback` is on (the primary keeps the row versions a
   * replica query still needs, so vacuum never cancels a report; the cost is bloat on the primary
   * while a long query runs), and WAL replay waits up to `maxStandbyDelayMs` for a query that holds
   * a conflicting lock (a DROP, TRUNCATE or ALTER TABLE on the primary) instead of cancelling it
   * after PostgreSQL's default 30 s; the cost is replica lag for that long. The replica lag alarm
   * fires above this delay. @default { maxStandbyDelayMs: replicaStatementTimeoutMs }
   */
  readonly replicaReads?: { readonly maxStandbyDelayMs: number };
  /** `idle_in_transaction_session_timeout` in ms: frees locks a crashed client left open. @default 60000 */
  readonly idleInTransactionTimeoutMs?: number;
  /** `log_min_duration_statement` in ms: statements slower than this are logged. @default 1000 */
  readonly slowQueryLogMs?: number;
  /** Extra or replacing parameters for both parameter groups (name → value), merged last. @default {} */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`. Must not overlap `backupWindow`. @default "sun:05:00-sun:06:00" */
  readonly maintenanceWindow?: string;
  /** Daily automated-backup window (UTC), `hh:mm-hh:mm`. @default "03:00-04:00" */
  readonly backupWindow?: string;
  /** Enhanced monitoring granularity in seconds (OS metrics). @default 60 */
  readonly monitoringIntervalSeconds?: 1 | 5 | 10 | 15 | 30 | 60;
  /** Escape hatch, merged last into the primary's config. Review every use. @default none */
  readonly overrides?: { readonly instance?: Partial<DbInstanceConfig> };
}

/**
 * RDS for PostgreSQL: a primary in isolated subnets, optional read replicas in other AZs, its own
 * security group (5432 only from the app's groups), parameter groups with production settings
 * (`rds.force_ssl`, statement/idle timeouts, slow-query log, `track_io_timing`, lock-wait logging;
 * replicas tuned for long reads, see `replicaReads`), a kit-owned master secret whose password
 * reaches AWS only through write-only attributes (never in code, state, plan or env of an app
 * process), storage encryption (gp3, autoscaling), CloudWatch log exports with tier retention,
 * Performance Insights, enhanced monitoring, IAM database authentication (app processes connect as
 * `users`, see database-roles.ts), automatic minor upgrades in the maintenance window and symptom
 * alarms (DatabaseAlarms).
 *
 * The safety tier decides lifecycle: protected (prod) gets deletion protection, `prevent_destroy`,
 * a final snapshot and changes held for the maintenance window; standard (staging) deletes freely
 * and applies changes at once. Multi-AZ, replicas and backup days come from `database`.
 *
 * @example
 * const db = new PostgresDatabase(this, "database", {
 *   names, lifecycle: lifecycleOf("standard"), database: env.database, availabilityZones: env.aws.availabilityZones,
 *   region: "us-east-1", network, alarmTopicArn, allowFrom: [appSg.id],
 *   masterPassword: { value: masterPasswordVariable.stringValue, version: 1 },
 * });
 * new FargateService(this, "web-service", { ..., task: { ..., connections: [databaseAccess(db, "write", "shipkit-prod-web")] } });
 *
 * Rough cost (us-east-1, on demand; docs/database.md has the breakdown): prod db.r6g.large
 * multi-AZ + 1 replica + 100 GiB ≈ $528/month; staging db.t4g.medium single-AZ + 20 GiB ≈ $50/month.
 * Tested via: test/constructs/postgres-database.test.ts (and the offline plans in it)
 */
export class PostgresDatabase extends Construct implements DbEndpoints {
  /** Read-write endpoint. */
  readonly primary: DbConnection;
  /** Read endpoint: the first replica, or the primary when there are no replicas. */
  readonly reader: DbConnection;
  /** Every replica's endpoint, in order (empty without replicas). */
  readonly replicas: readonly DbConnection[];
  /** The database's security group id. */
  readonly securityGroupId: string;
  /**
   * The kit-owned master secret (JSON keys `username`, `password`, `host`, `port`, `dbname`): for
   * one-off admin tasks only (DatabaseAdminTasks); never hand it to a service or cron job.
   */
  readonly secretArn: string;
  /** Region of the instances (IAM auth tokens are signed for it). */
  readonly region: string;
  /** Database users by kind (`app_writer`, `app_reader`, `app_migrator`); the db-bootstrap task (BOOTSTRAP_SQL) creates them. */
  readonly users: Readonly<Record<DatabaseUserKind, string>>;
  /** Primary's ARN (AWS Backup selects it). */
  readonly instanceArn: string;
  readonly resources: {
    readonly instance: DbInstance;
    readonly replicas: readonly DbInstance[];
    readonly securityGroup: SecurityGroup;
    readonly subnetGroup: DbSubnetGroup;
    readonly parameterGroup: DbParameterGroup;
    readonly replicaParameterGroup?: DbParameterGroup;
    readonly monitoringRole: IamRole;
    readonly masterSecret: SecretsmanagerSecret;
    readonly alarms: DatabaseAlarms;
  };

  private readonly names: Names;
  private ingressCount = 0;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    const { names, network, lifecycle } = props;
    this.names = names;
    const db = props.database;
    const cfg = {
      databaseName: "app",
      masterUsername: "app_admin",
      statementTimeoutMs: 30_000,
      replicaStatementTimeoutMs: 7_200_000,
      idleInTransactionTimeoutMs: 60_000,
      slowQueryLogMs: 1_000,
      parameters: {} as Readonly<Record<string, string>>,
      maintenanceWindow: "sun:05:00-sun:06:00",
      backupWindow: "03:00-04:00",
      monitoringIntervalSeconds: 60,
      allowFrom: [] as readonly string[],
      ...props,
    };
    const protect = lifecycle.protectState;
    const azs = props.availabilityZones;

    if (lifecycle.tier === "ephemeral")
      throw new ConfigError(this, "lifecycle", "is the ephemeral tier; ephemeral environments (previews) never own an instance, they get a logical database on a long-lived one's (use PreviewDatabaseTasks)");
    if (!POSTGRES_ENGINE_VERSION.test(db.engineVersion))
      throw new ConfigError(this, "database.engineVersion", `${JSON.stringify(db.engineVersion)} is not a PostgreSQL version; use "16" or "16.4"`);
    if (db.readReplicas > 0 && db.backupRetentionDays < 1)
      throw new ConfigError(this, "database.readReplicas", `${db.readReplicas} needs backupRetentionDays >= 1 (RDS read replicas require automated backups)`);
    if (protect && db.backupRetentionDays < PROTECTED_MIN_BACKUP_DAYS)
      throw new ConfigError(this, "database.backupRetentionDays", `${db.backupRetentionDays} is below ${PROTECTED_MIN_BACKUP_DAYS} days for the ${lifecycle.tier} tier; raise it`);
    if (protect && !db.multiAz)
      throw new ConfigError(this, "database.multiAz", `is false in the ${lifecycle.tier} tier; a single-AZ primary does not survive an AZ outage, set it true`);
    if (db.maxAllocatedStorageGiB <= db.allocatedStorageGiB)
      throw new ConfigError(this, "database.maxAllocatedStorageGiB", `${db.maxAllocatedStorageGiB} must be above allocatedStorageGiB (${db.allocatedStorageGiB}) for storage autoscaling`);
    if (!Token.isUnresolved(network.isolatedSubnetIds) && network.isolatedSubnetIds.length < 2)
      throw new ConfigError(this, "network.isolatedSubnetIds", "has fewer than 2 subnets; an RDS subnet group needs two AZs");
    if (!Number.isInteger(props.masterPassword.version) || props.masterPassword.version < 1)
      throw new ConfigError(this, "masterPassword.version", `${JSON.stringify(props.masterPassword.version)} is not a whole number of 1 or more; raise it by one to rotate the master password`);
    if (!Token.isUnresolved(props.masterPassword.value))
      throw new ConfigError(this, "masterPassword.value", "is a literal; pass the token of an ephemeral variable (a literal would sit in code and in the synthesized JSON)");
    const standbyDelayMs = cfg.replicaReads?.maxStandbyDelayMs ?? cfg.replicaStatementTimeoutMs;
    // PostgreSQL's range for these integer parameters; RDS rejects the parameter group otherwise.
    if (!Number.isInteger(cfg.replicaStatementTimeoutMs) || cfg.replicaStatementTimeoutMs < 0 || cfg.replicaStatementTimeoutMs > PG_INT_MAX)
      throw new ConfigError(this, "replicaStatementTimeoutMs", `${JSON.stringify(cfg.replicaStatementTimeoutMs)} is not a whole number of milliseconds from 0 to ${PG_INT_MAX}; use e.g. 7200000 (2 h)`);
    if (!Number.isInteger(standbyDelayMs) || standbyDelayMs < 0 || standbyDelayMs > PG_INT_MAX)
      throw new ConfigError(this, "replicaReads.maxStandbyDelayMs", `${JSON.stringify(standbyDelayMs)} is not a whole number of milliseconds from 0 to ${PG_INT_MAX}; use e.g. 3600000 (1 h)`);
    if (azs.length === 0)
      throw new ConfigError(this, "availabilityZones", "is empty; list the network's AZs in subnet order (a single-AZ primary and replicas are placed in them)");

    const identifier = names.of("db", { max: 63 });
    const family = parameterGroupFamily(db.engineVersion);
    const major = family.replace("postgres", "");

    const securityGroup = new SecurityGroup(this, "security-group", {
      name: names.of("db"),
      description: `Postgres of ${names.envName}: ${POSTGRES_PORT} from app security groups only`,
      vpcId: network.vpcId,
      tags: { Name: names.of("db") },
    });
    this.securityGroupId = securityGroup.id;
    cfg.allowFrom.forEach((sg) => this.allowFrom(sg));

    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: names.of("db"),
      description: `Isolated subnets of ${names.envName}`,
      subnetIds: network.isolatedSubnetIds,
    });

    const baseParameters: Record<string, string> = {
      "rds.force_ssl": "1",
      statement_timeout: String(cfg.statementTimeoutMs),
      idle_in_transaction_session_timeout: String(cfg.idleInTransactionTimeoutMs),
      log_min_duration_statement: String(cfg.slowQueryLogMs),
      track_io_timing: "1",
      // Lock waits longer than deadlock_timeout (1 s) are logged with the blocking pid; with
      // application_name per process kind this answers "who holds the lock".
      log_lock_waits: "1",
      log_temp_files: "10240",
      log_autovacuum_min_duration: "10000",
    };
    const parameterGroupFor = (groupId: string, part: string, extra: Record<string, string>) =>
      new DbParameterGroup(this, groupId, {
        name: names.of(`${part}-pg${major}`),
        family,
        description: `${family} settings for ${names.envName} (${part})`,
        parameter: Object.entries({ ...baseParameters, ...extra, ...cfg.parameters }).map(([name, value]) => ({ name, value })),
        // A new family (major upgrade) means a new group: create it before the old one goes.
        lifecycle: { createBeforeDestroy: true },
      });
    const parameterGroup = parameterGroupFor("parameter-group", "db", {});
    const replicaParameterGroup =
      db.readReplicas > 0
        ? parameterGroupFor("replica-parameter-group", "db-replica", {
            statement_timeout: String(cfg.replicaStatementTimeoutMs),
            hot_standby_feedback: "1",
            max_standby_streaming_delay: String(standbyDelayMs),
            max_standby_archive_delay: String(standbyDelayMs),
          })
        : undefined;

    const monitoringAssume = new DataAwsIamPolicyDocument(this, "monitoring-assume", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["monitoring.rds.amazonaws.com"] }] }],
    });
    const monitoringRole = new IamRole(this, "monitoring-role", { name: names.of("rds-monitoring", { max: 64 }), assumeRolePolicy: monitoringAssume.json });
    new IamRolePolicyAttachment(this, "monitoring-policy", { role: monitoringRole.name, policyArn: ENHANCED_MONITORING_POLICY });

    // Own the log groups RDS would otherwise create with no retention (kept and billed forever).
    const logGroupsFor = (groupPrefix: string, instanceId: string) =>
      POSTGRES_LOG_EXPORTS.map((type) => new CloudwatchLogGroup(this, `${groupPrefix}-${type}-logs`, { name: `/aws/rds/instance/${instanceId}/${type}`, retentionInDays: lifecycle.logRetentionDays }));

    const common = {
      instanceClass: db.instanceClass,
      storageType: "gp3",
      storageEncrypted: true,
      maxAllocatedStorage: db.maxAllocatedStorageGiB,
      publiclyAccessible: false,
      vpcSecurityGroupIds: [securityGroup.id],
      enabledCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
      performanceInsightsEnabled: true,
      performanceInsightsRetentionPeriod: 7,
      monitoringInterval: cfg.monitoringIntervalSeconds,
      monitoringRoleArn: monitoringRole.arn,
      iamDatabaseAuthenticationEnabled: true,
      autoMinorVersionUpgrade: true,
      maintenanceWindow: cfg.maintenanceWindow,
      copyTagsToSnapshot: true,
      deletionProtection: protect,
      // Protected: configuration changes wait for the maintenance window (no surprise reboot).
      applyImmediately: !protect,
      lifecycle: { preventDestroy: protect },
    } satisfies Partial<DbInstanceConfig>;

    const restoring = db.restoreFrom !== undefined;
    const primaryLogs = logGroupsFor("primary", identifier);
    const instance = new DbInstance(this, "primary", {
      ...common,
      identifier,
      engine: "postgres",
      engineVersion: db.engineVersion,
      allocatedStorage: db.allocatedStorageGiB,
      // The snapshot carries the database and the master user name; a fresh instance gets both here.
      dbName: restoring ? undefined : cfg.databaseName,
      username: restoring ? undefined : cfg.masterUsername,
      snapshotIdentifier: db.restoreFrom?.snapshot,
      // Kit-managed master password (see masterPassword): write-only, never in state.
      passwordWo: props.masterPassword.value,
      passwordWoVersion: props.masterPassword.version,
      port: POSTGRES_PORT,
      dbSubnetGroupName: subnetGroup.name,
      parameterGroupName: parameterGroup.name,
      multiAz: db.multiAz,
      // Multi-AZ picks its own AZs; single-AZ pins the first so replicas can go elsewhere.
      availabilityZone: db.multiAz ? undefined : azs[0],
      backupRetentionPeriod: db.backupRetentionDays,
      backupWindow: cfg.backupWindow,
      skipFinalSnapshot: !protect,
      finalSnapshotIdentifier: protect ? names.of("db-final", { max: 255 }) : undefined,
      // Protected: automated backups outlive the instance, so a deleted database can still be restored.
      deleteAutomatedBackups: !protect,
      allowMajorVersionUpgrade: false,
      dependsOn: primaryLogs,
      ...cfg.overrides?.instance,
    });

    const replicas = Array.from({ length: db.readReplicas }, (_, i) => {
      const replicaId = names.of(`db-replica-${i}`, { max: 63 });
      return new DbInstance(this, `read-replica-${i}`, {
        ...common,
        identifier: replicaId,
        replicateSourceDb: instance.identifier,
        parameterGroupName: replicaParameterGroup!.name,
        // Another AZ than the primary's pinned one (multi-AZ primaries fail over between AZs anyway).
        availabilityZone: azs[(i + 1) % azs.length],
        backupRetentionPeriod: 0,
        skipFinalSnapshot: true,
        dependsOn: logGroupsFor(`replica-${i}`, replicaId),
      });
    });

    // The master secret the kit owns: same JSON keys as an RDS-managed secret, plus the endpoint.
    // Only one-off admin tasks read it (bootstrap, db-init, db-drop); app processes use IAM auth.
    const masterSecret = new SecretsmanagerSecret(this, "master-secret", {
      name: names.of("db-master"),
      description: `Master user of ${names.envName}'s Postgres; read only by one-off admin tasks (bootstrap, db-init, db-drop)`,
      // Protected: a deleted secret can be recovered for 30 days. Otherwise delete at once, so a
      // re-created environment can take the same name.
      recoveryWindowInDays: protect ? 30 : 0,
    });
    new SecretsmanagerSecretVersion(this, "master-secret-value", {
      secretId: masterSecret.id,
      secretStringWo: Fn.jsonencode({
        engine: "postgres",
        username: instance.username,
        password: props.masterPassword.value,
        host: instance.address,
        port: instance.port,
        dbname: cfg.databaseName,
        dbInstanceIdentifier: instance.identifier,
      }),
      secretStringWoVersion: props.masterPassword.version,
      // A replaced instance gets this run's password (write-only values are sent on create): so must
      // the secret, or the admin tasks would hold a password the new instance never had.
      lifecycle: { replaceTriggeredBy: [`${instance.terraformResourceType}.${instance.friendlyUniqueId}.resource_id`] },
    });
    const connection = (i: DbInstance): DbConnection => ({
      host: i.address,
      port: i.port,
      databaseName: cfg.databaseName,
      // arn:<partition>:rds:<region>:<account>:db:<id> → arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId>
      connectArnPrefix: `${Fn.replace(Fn.element(Fn.split(":db:", i.arn), 0), ":rds:", ":rds-db:")}:dbuser:${i.resourceId}`,
      securityGroupId: securityGroup.id,
    });
    this.secretArn = masterSecret.arn;
    this.users = APP_DATABASE_USERS;
    this.region = props.region;
    this.instanceArn = instance.arn;
    this.primary = connection(instance);
    this.replicas = replicas.map(connection);
    this.reader = this.replicas[0] ?? this.primary;

    const alarms = new DatabaseAlarms(this, "alarms", {
      names,
      alarmTopicArn: props.alarmTopicArn,
      primaryIdentifier: instance.identifier,
      replicaIdentifiers: replicas.map((r) => r.identifier),
      instanceClass: db.instanceClass,
      allocatedStorageGiB: db.allocatedStorageGiB,
      // Replay may wait this long for a long report: lag up to it is the trade-off, not an incident.
      replicaLagSeconds: Math.max(60, Math.ceil(standbyDelayMs / 1000) + 300),
    });

    this.resources = { instance, replicas, securityGroup, subnetGroup, parameterGroup, replicaParameterGroup, monitoringRole, masterSecret, alarms };
  }

  /**
   * Admits one security group on 5432 (by group reference, never a CIDR). Returns the rule.
   * Services call this, or add the same rule themselves on `securityGroupId`.
   */
  allowFrom(securityGroupId: string, description = "Postgres from app tasks"): VpcSecurityGroupIngressRule {
    return new VpcSecurityGroupIngressRule(this, `ingress-${this.ingressCount++}`, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: securityGroupId,
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      description,
      tags: { Name: this.names.of("db-ingress") },
    });
  }
}
