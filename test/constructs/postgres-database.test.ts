import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { DefaultTokenResolver, StringConcat, Testing, Token, Tokenization, ref } from "cdktf";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import type { NetworkAttributes } from "../../lib/network/network";
import { PostgresDatabase, parameterGroupFamily, type PostgresDatabaseProps, type PostgresSettings } from "../../lib/data/postgres-database";
import { databaseAccess } from "../../lib/data/database-access";
import { APP_DATABASE_USERS } from "../../lib/data/database-roles";
import { defaultMaxConnections, instanceMemoryGiB } from "../../lib/observability/database-alarms";
import { resources, type SynthJson } from "../helpers";

const network: NetworkAttributes = {
  vpcId: "vpc-test",
  vpcCidr: "10.0.0.0/16",
  publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
  privateSubnetIds: ["subnet-prv-a", "subnet-prv-b"],
  isolatedSubnetIds: ["subnet-iso-a", "subnet-iso-b"],
};
const TOPIC = "arn:aws:sns:us-east-1:111111111111:shipkit-prod-alarms";

/** A protected-tier database: multi-AZ, one replica, 14 days of backups, three AZs. */
const PROD_DB: PostgresSettings = {
  engineVersion: "16", instanceClass: "db.r6g.large", allocatedStorageGiB: 100, maxAllocatedStorageGiB: 500, readReplicas: 1, backupRetentionDays: 14, multiAz: true,
};
/** A standard-tier database: single-AZ, no replica, 7 days of backups, two AZs. */
const STAGING_DB: PostgresSettings = {
  engineVersion: "16", instanceClass: "db.t4g.medium", allocatedStorageGiB: 20, maxAllocatedStorageGiB: 100, readReplicas: 0, backupRetentionDays: 7, multiAz: false,
};
const prod: PostgresDatabaseProps = {
  names: new Names("shipkit", "prod"), lifecycle: lifecycleOf("protected"), database: PROD_DB, availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
  network, alarmTopicArn: TOPIC, allowFrom: ["sg-app", "sg-worker"], region: "us-east-1",
  // Stands in for the ephemeral variable's token (`var.db_master_password`).
  masterPassword: { value: Token.asString(ref("var.db_master_password")), version: 1 },
};
const staging: PostgresDatabaseProps = {
  ...prod, names: new Names("shipkit", "staging"), lifecycle: lifecycleOf("standard"), database: STAGING_DB, availabilityZones: ["us-east-1a", "us-east-1b"],
};

/** `base` with `extra` on top; `database` settings are merged, not replaced. */
const props = (base: PostgresDatabaseProps, extra: Omit<Partial<PostgresDatabaseProps>, "database"> & { database?: Partial<PostgresSettings> } = {}): PostgresDatabaseProps => ({
  ...base, ...extra, database: { ...base.database, ...extra.database },
});
const synthDb = (base: PostgresDatabaseProps, extra: Parameters<typeof props>[1] = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new PostgresDatabase(s, "database", props(base, extra)))) as SynthJson;
const instances = (json: SynthJson) => resources(json, "aws_db_instance");
const primaryOf = (json: SynthJson) => instances(json).find((i) => !i.replicate_source_db)!;
const replicasOf = (json: SynthJson) => instances(json).filter((i) => i.replicate_source_db);

describe("PostgresDatabase: safety tier", () => {
  test("prod (protected): multi-AZ, deletion protection, final snapshot, prevent_destroy, 14 days, changes wait for the window", () => {
    expect(primaryOf(synthDb(prod))).toMatchObject({
      identifier: "shipkit-prod-db",
      multi_az: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: "shipkit-prod-db-final",
      lifecycle: { prevent_destroy: true },
      backup_retention_period: 14,
      apply_immediately: false,
      delete_automated_backups: false,
    });
    expect(primaryOf(synthDb(prod))).not.toHaveProperty("availability_zone");
  });

  test("staging (standard): single-AZ in the first AZ, deletable without a final snapshot, 7 days", () => {
    const primary = primaryOf(synthDb(staging));
    expect(primary).toMatchObject({
      identifier: "shipkit-staging-db",
      multi_az: false,
      availability_zone: "us-east-1a",
      deletion_protection: false,
      skip_final_snapshot: true,
      lifecycle: { prevent_destroy: false },
      backup_retention_period: 7,
      apply_immediately: true,
      delete_automated_backups: true,
    });
    expect(primary).not.toHaveProperty("final_snapshot_identifier");
  });

  test("the ephemeral tier (previews) never owns an instance", () => {
    expect(() => synthDb(staging, { lifecycle: lifecycleOf("ephemeral") })).toThrow(/database: "lifecycle" is the ephemeral tier; ephemeral environments \(previews\) never own an instance/);
  });
});

describe("PostgresDatabase: the instance", () => {
  test.each([["prod", prod], ["staging", staging]] as const)("%s: encrypted gp3, private, kit-managed write-only password, logs, PI, monitoring, IAM auth, minor upgrades", (_, base) => {
    const json = synthDb(base);
    const primary = primaryOf(json);
    expect(primary).toMatchObject({
      engine: "postgres",
      engine_version: base.database.engineVersion,
      instance_class: base.database.instanceClass,
      allocated_storage: base.database.allocatedStorageGiB,
      max_allocated_storage: base.database.maxAllocatedStorageGiB,
      storage_type: "gp3",
      storage_encrypted: true,
      publicly_accessible: false,
      password_wo: "${var.db_master_password}",
      password_wo_version: 1,
      username: "app_admin",
      db_name: "app",
      port: 5432,
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
      performance_insights_enabled: true,
      monitoring_interval: 60,
      iam_database_authentication_enabled: true,
      auto_minor_version_upgrade: true,
      allow_major_version_upgrade: false,
      maintenance_window: "sun:05:00-sun:06:00",
      backup_window: "03:00-04:00",
      copy_tags_to_snapshot: true,
    });
    expect(primary).not.toHaveProperty("password");
    expect(primary).not.toHaveProperty("manage_master_user_password");
    expect(String(primary.monitoring_role_arn)).toMatch(/aws_iam_role\..*\.arn/);
    expect(resources(json, "aws_iam_role_policy_attachment")).toEqual([expect.objectContaining({ policy_arn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" })]);
    expect(resources(json, "aws_db_subnet_group")).toEqual([expect.objectContaining({ subnet_ids: network.isolatedSubnetIds })]);
  });

  test("log groups for every exported log exist first, with the tier's retention", () => {
    const groups = resources(synthDb(prod), "aws_cloudwatch_log_group");
    expect(groups.map((g) => g.name).sort()).toEqual([
      "/aws/rds/instance/shipkit-prod-db-replica-0/postgresql",
      "/aws/rds/instance/shipkit-prod-db-replica-0/upgrade",
      "/aws/rds/instance/shipkit-prod-db/postgresql",
      "/aws/rds/instance/shipkit-prod-db/upgrade",
    ]);
    expect(groups.every((g) => g.retention_in_days === 90)).toBe(true);
    expect(resources(synthDb(staging), "aws_cloudwatch_log_group").every((g) => g.retention_in_days === 30)).toBe(true);
  });

  test("restoreFrom creates the instance from the snapshot, without a new database or user", () => {
    const primary = primaryOf(synthDb(staging, { database: { restoreFrom: { snapshot: "prod-scrubbed-2026-01-01" } } }));
    expect(primary).toMatchObject({ snapshot_identifier: "prod-scrubbed-2026-01-01", password_wo_version: 1 });
    expect(primary).not.toHaveProperty("db_name");
    expect(primary).not.toHaveProperty("username");
    expect(primaryOf(synthDb(staging))).not.toHaveProperty("snapshot_identifier");
  });
});

describe("PostgresDatabase: parameter groups", () => {
  test("family from the engine version", () => {
    expect(parameterGroupFamily("16")).toBe("postgres16");
    expect(parameterGroupFamily("15.7")).toBe("postgres15");
  });

  test("primary: forced SSL, timeouts, slow-query log, io timing, lock waits", () => {
    const json = synthDb(staging);
    const [group] = resources(json, "aws_db_parameter_group");
    expect(group).toMatchObject({ name: "shipkit-staging-db-pg16", family: "postgres16", lifecycle: { create_before_destroy: true } });
    const params = Object.fromEntries((group!.parameter as { name: string; value: string }[]).map((p) => [p.name, p.value]));
    expect(params).toMatchObject({
      "rds.force_ssl": "1",
      statement_timeout: "30000",
      idle_in_transaction_session_timeout: "60000",
      log_min_duration_statement: "1000",
      track_io_timing: "1",
      log_lock_waits: "1",
    });
    expect(String(primaryOf(json).parameter_group_name)).toContain("parameter-group");
  });

  test("props tune the settings; `parameters` is merged last", () => {
    const [group] = resources(synthDb(staging, { statementTimeoutMs: 10000, parameters: { work_mem: "65536" } }), "aws_db_parameter_group");
    const params = Object.fromEntries((group!.parameter as { name: string; value: string }[]).map((p) => [p.name, p.value]));
    expect(params).toMatchObject({ statement_timeout: "10000", work_mem: "65536", "rds.force_ssl": "1" });
  });

  test("replicas get their own group with a longer statement timeout for reports", () => {
    const groups = resources(synthDb(prod), "aws_db_parameter_group");
    const replicaGroup = groups.find((g) => g.name === "shipkit-prod-db-replica-pg16")!;
    const params = Object.fromEntries((replicaGroup.parameter as { name: string; value: string }[]).map((p) => [p.name, p.value]));
    expect(params).toMatchObject({ statement_timeout: "7200000", "rds.force_ssl": "1" });
    expect(String(replicasOf(synthDb(prod))[0]!.parameter_group_name)).toContain("replica-parameter-group");
  });
});

describe("PostgresDatabase: network access", () => {
  test("its own security group admits 5432 only from the given app security groups", () => {
    const json = synthDb(prod);
    const [sg] = resources(json, "aws_security_group");
    expect(sg).toMatchObject({ name: "shipkit-prod-db", vpc_id: "vpc-test", description: "Postgres of prod: 5432 from app security groups only" });
    expect(sg).not.toHaveProperty("ingress");
    const rules = resources(json, "aws_vpc_security_group_ingress_rule");
    expect(rules.map((r) => r.referenced_security_group_id)).toEqual(["sg-app", "sg-worker"]);
    for (const r of rules) {
      expect(r).toMatchObject({ ip_protocol: "tcp", from_port: 5432, to_port: 5432 });
      expect(r).not.toHaveProperty("cidr_ipv4");
      expect(r).not.toHaveProperty("cidr_ipv6");
    }
    expect(resources(json, "aws_vpc_security_group_egress_rule")).toHaveLength(0);
    expect(instances(json).every((i) => JSON.stringify(i.vpc_security_group_ids).includes("aws_security_group."))).toBe(true);
  });

  test("allowFrom() adds one more referenced-group rule", () => {
    const json = JSON.parse(Testing.synthScope((s) => new PostgresDatabase(s, "database", props(staging, { allowFrom: [] })).allowFrom("sg-cron"))) as SynthJson;
    expect(resources(json, "aws_vpc_security_group_ingress_rule")).toEqual([expect.objectContaining({ referenced_security_group_id: "sg-cron", from_port: 5432 })]);
  });
});

describe("PostgresDatabase: read replicas", () => {
  test("prod: one encrypted replica of the primary, in another AZ, protected like the primary", () => {
    const json = synthDb(prod);
    const replicas = replicasOf(json);
    expect(replicas).toHaveLength(1);
    expect(replicas[0]).toMatchObject({
      identifier: "shipkit-prod-db-replica-0",
      replicate_source_db: expect.stringMatching(/aws_db_instance\.database_primary_.*\.identifier/),
      availability_zone: "us-east-1b",
      storage_encrypted: true,
      publicly_accessible: false,
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
      skip_final_snapshot: true,
    });
    expect(replicas[0]).not.toHaveProperty("manage_master_user_password");
    expect(replicas[0]).not.toHaveProperty("username");
  });

  test("staging has none; two replicas spread over the other AZs", () => {
    expect(replicasOf(synthDb(staging))).toHaveLength(0);
    expect(replicasOf(synthDb(staging, { database: { readReplicas: 2 } })).map((r) => r.availability_zone)).toEqual(["us-east-1b", "us-east-1a"]);
  });

  test("reader is the first replica, or the primary without replicas", () => {
    Testing.synthScope((s) => {
      const withReplica = new PostgresDatabase(s, "a", props(prod));
      expect(withReplica.reader.host).not.toBe(withReplica.primary.host);
      // IAM auth names each instance by its own resource id.
      expect(withReplica.reader.connectArnPrefix).not.toBe(withReplica.primary.connectArnPrefix);
      const single = new PostgresDatabase(s, "b", props(staging));
      expect(single.reader).toBe(single.primary);
      expect(single.replicas).toHaveLength(0);
    });
  });
});

describe("PostgresDatabase: alarms", () => {
  test("CPU, storage, memory, connections, latency on the primary; lag on each replica; all to the topic", () => {
    const alarms = resources(synthDb(prod), "aws_cloudwatch_metric_alarm");
    const byName = Object.fromEntries(alarms.map((a) => [a.alarm_name as string, a]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining([
      "shipkit-prod-db-primary-cpu", "shipkit-prod-db-primary-free-storage", "shipkit-prod-db-primary-freeable-memory",
      "shipkit-prod-db-primary-connections", "shipkit-prod-db-primary-read-latency", "shipkit-prod-db-primary-write-latency",
      "shipkit-prod-db-replica-0-lag",
    ]));
    expect(byName["shipkit-prod-db-primary-cpu"]).toMatchObject({ namespace: "AWS/RDS", metric_name: "CPUUtilization", threshold: 80, comparison_operator: "GreaterThanThreshold" });
    expect(byName["shipkit-prod-db-primary-free-storage"]).toMatchObject({ metric_name: "FreeStorageSpace", threshold: 10 * 1024 ** 3, comparison_operator: "LessThanThreshold" });
    expect(byName["shipkit-prod-db-primary-read-latency"]).toMatchObject({ metric_name: "ReadLatency", threshold: 0.02 });
    expect(byName["shipkit-prod-db-replica-0-lag"]).toMatchObject({ metric_name: "ReplicaLag", threshold: 7500, dimensions: { DBInstanceIdentifier: expect.stringContaining("read-replica-0") } });
    expect(alarms.every((a) => JSON.stringify(a.alarm_actions) === JSON.stringify([TOPIC]))).toBe(true);
    expect(resources(synthDb(staging), "aws_cloudwatch_metric_alarm").some((a) => a.metric_name === "ReplicaLag")).toBe(false);
  });

  test("memory and connection thresholds follow the instance class", () => {
    expect(instanceMemoryGiB("db.t4g.medium")).toBe(4);
    expect(instanceMemoryGiB("db.r6g.large")).toBe(16);
    expect(instanceMemoryGiB("db.m7g.2xlarge")).toBe(32);
    expect(instanceMemoryGiB("db.r6g.4xlarge")).toBe(128);
    expect(defaultMaxConnections(16)).toBe(1802);
    const connections = resources(synthDb(prod), "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "shipkit-prod-db-primary-connections");
    expect(connections).toMatchObject({ threshold: Math.floor(1802 * 0.8) });
  });
});

describe("PostgresDatabase: the master secret and what a workload receives", () => {
  test("the kit owns the master secret; its value is write-only, from the variable, versioned with the instance's", () => {
    const json = synthDb(prod, { masterPassword: { value: prod.masterPassword.value, version: 3 } });
    expect(resources(json, "aws_secretsmanager_secret")).toEqual([expect.objectContaining({ name: "shipkit-prod-db-master", recovery_window_in_days: 30 })]);
    const [version] = resources(json, "aws_secretsmanager_secret_version");
    expect(version).toMatchObject({ secret_string_wo_version: 3 });
    // A replaced instance gets this run's password; the secret must follow it.
    expect(version!.lifecycle).toEqual({ replace_triggered_by: [expect.stringMatching(/^aws_db_instance\.database_primary_\w+\.resource_id$/)] });
    expect(version).not.toHaveProperty("secret_string");
    expect(String(version!.secret_string_wo)).toMatch(/"password" = var\.db_master_password/);
    expect(String(version!.secret_string_wo)).toMatch(/"username" = aws_db_instance\.database_primary_\w+\.username/);
    expect(primaryOf(json)).toMatchObject({ password_wo_version: 3 });
    expect(resources(synthDb(staging), "aws_secretsmanager_secret")[0]).toMatchObject({ recovery_window_in_days: 0 });
  });

  test("replica timings outside PostgreSQL's integer range are refused, naming the prop", () => {
    expect(() => synthDb(prod, { replicaReads: { maxStandbyDelayMs: 3_000_000_000 } })).toThrow(/"replicaReads\.maxStandbyDelayMs" 3000000000 is not a whole number of milliseconds from 0 to 2147483647/);
    expect(() => synthDb(prod, { replicaStatementTimeoutMs: -5 })).toThrow(/"replicaStatementTimeoutMs" -5 is not a whole number/);
  });

  test("the rds-db:connect ARN prefix is derived from the instance ARN (any partition), evaluated by Terraform itself", () => {
    Testing.synthScope((s) => {
      const db = new PostgresDatabase(s, "database", props(staging));
      expect(Tokenization.resolve(db.primary.connectArnPrefix, { scope: s, resolver: new DefaultTokenResolver(new StringConcat()) })).toMatch(
        /^\$\{replace\(element\(split\(":db:", aws_db_instance\.database_primary_\w+\.arn\), 0\), ":rds:", ":rds-db:"\)\}:dbuser:\$\{aws_db_instance\.database_primary_\w+\.resource_id\}$/,
      );
    });
    // The same expression on an instance ARN of another partition.
    const expression = 'replace(element(split(":db:", "arn:aws-cn:rds:cn-north-1:111111111111:db:shipkit-staging-db"), 0), ":rds:", ":rds-db:")';
    const out = execFileSync("terraform", ["console"], { input: expression, cwd: os.tmpdir(), encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" }, stdio: ["pipe", "pipe", "ignore"] });
    expect(out.trim()).toBe('"arn:aws-cn:rds-db:cn-north-1:111111111111"');
  });

  test("a literal password or a version below 1 is refused, naming the prop", () => {
    expect(() => synthDb(staging, { masterPassword: { value: "hunter2hunter2", version: 1 } })).toThrow(/"masterPassword\.value" is a literal; pass the token of an ephemeral variable/);
    expect(() => synthDb(staging, { masterPassword: { value: prod.masterPassword.value, version: 0 } })).toThrow(/"masterPassword\.version" 0 is not a whole number of 1 or more/);
  });

  test("replicas serve long reads: feedback on, replay waits as long as a replica statement may run, lag alarm above that", () => {
    const json = synthDb(prod);
    const replicaGroup = resources(json, "aws_db_parameter_group").find((g) => String(g.name).includes("replica"))!;
    const params = Object.fromEntries((replicaGroup.parameter as { name: string; value: string }[]).map((p) => [p.name, p.value]));
    expect(params).toMatchObject({ hot_standby_feedback: "1", statement_timeout: "7200000", max_standby_streaming_delay: "7200000", max_standby_archive_delay: "7200000" });
    const lag = resources(json, "aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "ReplicaLag")!;
    expect(lag.threshold).toBe(7200 + 300);
    const tuned = resources(synthDb(prod, { replicaReads: { maxStandbyDelayMs: 600_000 } }), "aws_db_parameter_group").find((g) => String(g.name).includes("replica"))!;
    expect(tuned.parameter).toEqual(expect.arrayContaining([{ name: "max_standby_streaming_delay", value: "600000" }]));
    // The primary's group keeps PostgreSQL's defaults for these (they only act on a standby).
    const primaryGroup = resources(json, "aws_db_parameter_group").find((g) => !String(g.name).includes("replica"))!;
    expect((primaryGroup.parameter as { name: string }[]).map((p) => p.name)).not.toContain("hot_standby_feedback");
    expect(resources(json, "aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "MaximumUsedTransactionIDs")).toMatchObject({ threshold: 1_000_000_000 });
  });

  test("a writer gets its own user, hosts and an rds-db:connect grant; no password or secret at all", () => {
    const json = JSON.parse(Testing.synthScope((s) => {
      const db = new PostgresDatabase(s, "database", props(prod));
      const web = databaseAccess(db, "write", "shipkit-prod-web");
      expect(web.environment).toMatchObject({ DATABASE_HOST: db.primary.host, DATABASE_READ_HOST: db.reader.host, DATABASE_NAME: "app", DATABASE_USER: APP_DATABASE_USERS.write, DATABASE_AUTH: "iam", DATABASE_REGION: "us-east-1", PGHOST: db.primary.host, PGUSER: "app_writer", PGSSLMODE: "verify-full", PGAPPNAME: "shipkit-prod-web" });
      expect(web.secrets ?? {}).toEqual({});
      expect(Object.keys(web.environment ?? {}).some((k) => /PASSWORD/.test(k))).toBe(false);
      const reporting = databaseAccess(db, "read", "shipkit-prod-report");
      expect(reporting.environment).toMatchObject({ PGHOST: db.reader.host, DATABASE_USER: "app_reader" });
      expect(reporting.environment).not.toHaveProperty("DATABASE_HOST");
    })) as SynthJson;
    expect(json).toBeDefined();
  });
});

describe("PostgresDatabase: impossible settings name the prop", () => {
  test.each<[string, PostgresDatabaseProps, Partial<PostgresSettings>, RegExp]>([
    ["an engine version that is not one", staging, { engineVersion: "sixteen" }, /database: "database\.engineVersion" "sixteen" is not a PostgreSQL version/],
    ["replicas without backups", staging, { readReplicas: 1, backupRetentionDays: 0 }, /"database\.readReplicas" 1 needs backupRetentionDays >= 1/],
    ["short backups in the protected tier", prod, { backupRetentionDays: 7 }, /"database\.backupRetentionDays" 7 is below 14 days for the protected tier/],
    ["single-AZ in the protected tier", prod, { multiAz: false }, /"database\.multiAz" is false in the protected tier/],
    ["no room for storage autoscaling", staging, { maxAllocatedStorageGiB: 20 }, /"database\.maxAllocatedStorageGiB" 20 must be above allocatedStorageGiB \(20\)/],
  ])("%s", (_, base, database, message) => {
    expect(() => synthDb(base, { database })).toThrow(message);
  });

  test("a network with one isolated subnet", () => {
    expect(() => synthDb(staging, { network: { ...network, isolatedSubnetIds: ["subnet-iso-a"] } })).toThrow(/"network\.isolatedSubnetIds" has fewer than 2 subnets/);
  });

  test("no availability zones", () => {
    expect(() => synthDb(staging, { availabilityZones: [] })).toThrow(/database: "availabilityZones" is empty/);
  });
});
