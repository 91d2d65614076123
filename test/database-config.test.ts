import { ephemeral, prod, staging } from "../environments";
import type { EnvironmentConfig } from "../environments/types";
import { environmentProblems, withEnv } from "./helpers";

const problemsOf = environmentProblems;

describe("database config", () => {
  test("shipped values: prod multi-AZ with a replica, 14 days and a backup plan; staging 7 days; previews own nothing", () => {
    expect(prod.database).toMatchObject({ multiAz: true, readReplicas: 1, backupRetentionDays: 14, backupPlan: { retentionDays: 35 } });
    expect(staging.database).toMatchObject({ multiAz: false, readReplicas: 0, backupRetentionDays: 7 });
    const pr = ephemeral(42, withEnv(staging, { database: { readReplicas: 1, restoreFrom: { snapshot: "x" } } }));
    expect(pr.database).toMatchObject({ multiAz: false, readReplicas: 0, backupPlan: undefined, restoreFrom: undefined, engineVersion: staging.database.engineVersion });
    expect(problemsOf(pr)).toEqual([]);
  });

  test.each<[string, EnvironmentConfig, string | RegExp]>([
    ["replicas with 0-day backups", withEnv(staging, { database: { readReplicas: 1, backupRetentionDays: 0 } }), "staging.database.readReplicas 1 needs backupRetentionDays >= 1 (RDS read replicas require automated backups); raise backupRetentionDays or set readReplicas 0"],
    ["multi-AZ on a preview", { ...ephemeral(42), database: { ...ephemeral(42).database, multiAz: true } }, /^pr-42\.database\.multiAz true must be false for a preview: previews own no database instance/],
    ["replicas on a preview", { ...ephemeral(42), database: { ...ephemeral(42).database, readReplicas: 1 } }, /^pr-42\.database\.readReplicas 1 must be 0 for a preview/],
    ["a backup plan on a preview", { ...ephemeral(42), database: { ...ephemeral(42).database, backupPlan: { retentionDays: 7 } } }, /^pr-42\.database\.backupPlan \{"retentionDays":7\} must be unset for a preview/],
    ["a restore on a preview", { ...ephemeral(42), database: { ...ephemeral(42).database, restoreFrom: { snapshot: "snap" } } }, /^pr-42\.database\.restoreFrom \{"snapshot":"snap"\} must be unset for a preview/],
    ["an instance class outside RDS's naming", withEnv(prod, { database: { instanceClass: "m5.large" } }), /^prod\.database\.instanceClass "m5\.large" is not an RDS DB instance class \(db\.<family>\.<size>, such as db\.t4g\.medium\); did you mean db\.m5\.large\?/],
    ["backup retention above 35 days", withEnv(staging, { database: { backupRetentionDays: 36 } }), /^staging\.database\.backupRetentionDays 36 must be 0–35 days \(RDS limit\)/],
    ["negative backup retention", withEnv(staging, { database: { backupRetentionDays: -1 } }), /^staging\.database\.backupRetentionDays -1 must be 0–35 days/],
    ["prod with 7 days of backups", withEnv(prod, { database: { backupRetentionDays: 7 } }), "prod.database.backupRetentionDays 7 must be at least 14 days for the protected tier (point-in-time restore window); raise it"],
    ["prod single-AZ", withEnv(prod, { database: { multiAz: false } }), /^prod\.database\.multiAz false must be true for the protected tier/],
    ["prod without a backup plan", { ...prod, database: { ...prod.database, backupPlan: undefined } }, /^prod\.database\.backupPlan \(missing\) must be set for the protected tier/],
    ["an engine version that is not one", withEnv(staging, { database: { engineVersion: "16.4.1" } }), /^staging\.database\.engineVersion "16\.4\.1" is not a PostgreSQL engine version; use a major such as "16"/],
    ["an engine version too old", withEnv(staging, { database: { engineVersion: "9.6" } }), /^staging\.database\.engineVersion "9\.6" is not a PostgreSQL engine version/],
    ["no room for storage autoscaling", withEnv(staging, { database: { maxAllocatedStorageGiB: 20 } }), /^staging\.database\.maxAllocatedStorageGiB 20 must be above allocatedStorageGiB \(20\)/],
    ["a backup copy into the same region", withEnv(prod, { database: { backupPlan: { retentionDays: 35, copyToRegion: "us-east-1" } } }), /^prod\.database\.backupPlan\.copyToRegion "us-east-1" is the environment's own region/],
    ["a restore from something that is not a snapshot", withEnv(staging, { database: { restoreFrom: { snapshot: "s3://bucket/dump.sql" } } }), /^staging\.database\.restoreFrom\.snapshot "s3:\/\/bucket\/dump\.sql" is not an RDS snapshot identifier or ARN/],
  ])("%s", (_, env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    if (typeof expected === "string") expect(problems[0]).toBe(expected);
    else expect(problems[0]).toMatch(expected);
  });

  test.each(["16", "16.4", "17.2", "12"])("engine version %s is accepted", (engineVersion) => {
    expect(problemsOf(withEnv(staging, { database: { engineVersion } }))).toEqual([]);
  });

  test("a shared snapshot ARN is accepted", () => {
    expect(problemsOf(withEnv(staging, { database: { restoreFrom: { snapshot: "arn:aws:rds:us-east-1:111111111111:snapshot:prod-scrubbed-2026-01-01" } } }))).toEqual([]);
  });
});
