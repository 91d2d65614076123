import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { PREVIEW_DATABASE_SCRIPTS, PreviewDatabaseTasks, previewDatabaseName, previewDbEndpoints, type PreviewDatabaseTasksProps } from "../../lib/data/preview-database-tasks";
import { rdsRootCertificates } from "../../runtime/database-contract";
import { resources, type SynthJson } from "../helpers";

const SECRET = "arn:aws:secretsmanager:us-east-1:222222222222:secret:shipkit-staging-db-master-AbCdEf";
const shared = { dbHost: "shipkit-staging-db.abc.us-east-1.rds.amazonaws.com", dbPort: "5432", dbSecretArn: SECRET, dbConnectArnPrefix: "arn:aws:rds-db:us-east-1:222222222222:dbuser:db-STAGING", dbSecurityGroupId: "sg-staging-db" };
const connection = (pr: number) => previewDbEndpoints(shared, pr, "us-east-1").primary;
/** The tasks of preview `pr-<pr>`, against staging's database (Postgres 16). */
const props = (pr: number, extra: Partial<PreviewDatabaseTasksProps> = {}): PreviewDatabaseTasksProps => ({
  names: new Names("shipkit", `pr-${pr}`), lifecycle: lifecycleOf("ephemeral"), prNumber: pr, region: "us-east-1", engineVersion: "16",
  appSecurityGroupId: "sg-pr-app", masterSecretArn: SECRET, ...extra, database: extra.database ?? connection(pr),
});
const synthTasks = (pr: number, extra: Partial<PreviewDatabaseTasksProps> = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new PreviewDatabaseTasks(s, "database-tasks", props(pr, extra)))) as SynthJson;

interface Container { readonlyRootFilesystem?: boolean; mountPoints?: unknown[]; name: string; image: string; entryPoint: string[]; command: string[]; environment: { name: string; value: string }[]; secrets: { name: string; valueFrom: string }[]; logConfiguration: { options: Record<string, string> } }
const containerOf = (def: Record<string, unknown>): Container => (JSON.parse(def.container_definitions as string) as Container[])[0]!;

describe("PreviewDatabaseTasks", () => {
  test("db-init and db-drop task definitions run psql against staging's instance for pr_<n>", () => {
    const json = synthTasks(42);
    const defs = resources(json, "aws_ecs_task_definition");
    expect(defs.map((d) => d.family).sort()).toEqual(["shipkit-pr-42-db-drop", "shipkit-pr-42-db-init"]);
    for (const def of defs) {
      expect(def).toMatchObject({ requires_compatibilities: ["FARGATE"], network_mode: "awsvpc", cpu: "256", memory: "512" });
      expect(def).not.toHaveProperty("task_role_arn");
      const c = containerOf(def);
      expect(c.image).toBe("public.ecr.aws/docker/library/postgres:16-alpine");
      // Read-only root filesystem; the CA bundle goes to a writable /tmp volume.
      expect(c).toMatchObject({ readonlyRootFilesystem: true, mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }] });
      expect(def.volume).toEqual([{ name: "tmp" }]);
      const env = Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
      const task = String(def.family).replace("shipkit-pr-42-", "");
      expect(env).toEqual({ PGHOST: shared.dbHost, PGPORT: "5432", PGSSLMODE: "verify-full", PGSSLROOTCERT: "/tmp/rds-ca.pem", PGAPPNAME: `shipkit-pr-42-${task}`, RDS_CA_BUNDLE: rdsRootCertificates("us-east-1").join(""), PREVIEW_DATABASE: "pr_42" });
      expect(c.secrets).toEqual([{ name: "PGUSER", valueFrom: `${SECRET}:username::` }, { name: "PGPASSWORD", valueFrom: `${SECRET}:password::` }]);
      expect(c.logConfiguration.options).toMatchObject({ "awslogs-region": "us-east-1", "awslogs-stream-prefix": def.family === "shipkit-pr-42-db-init" ? "db-init" : "db-drop" });
    }
    const init = containerOf(defs.find((d) => d.family === "shipkit-pr-42-db-init")!);
    expect(init.command[0]).toContain(PREVIEW_DATABASE_SCRIPTS["db-init"]);
    expect(init.command[0]).toMatch(/^set -eu\nprintf '%s' "\$RDS_CA_BUNDLE" > \/tmp\/rds-ca\.pem\n/);
    expect(init.command[0]).toContain("CREATE DATABASE %I");
    expect(init.command[0]).toContain("CREATE ROLE %I LOGIN");
    const drop = containerOf(defs.find((d) => d.family === "shipkit-pr-42-db-drop")!).command[0];
    expect(drop).toContain("DROP DATABASE IF EXISTS %I WITH (FORCE)");
    expect(drop).toContain("DROP ROLE IF EXISTS %I");
  });

  test("the execution role may read that one secret and write its own log group; logs kept 7 days", () => {
    const json = synthTasks(42);
    const doc = Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.includes("execution-permissions"))![1];
    expect(doc.statement).toEqual([
      expect.objectContaining({ actions: ["secretsmanager:GetSecretValue"], resources: [SECRET] }),
      expect.objectContaining({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"] }),
    ]);
    expect(resources(json, "aws_cloudwatch_log_group")).toEqual([expect.objectContaining({ name: "/shipkit/pr-42/db-tasks", retention_in_days: 7 })]);
  });

  test("the preview's app security group is admitted to staging's database on 5432", () => {
    expect(resources(synthTasks(42), "aws_vpc_security_group_ingress_rule")).toEqual([
      expect.objectContaining({ security_group_id: "sg-staging-db", referenced_security_group_id: "sg-pr-app", from_port: 5432, to_port: 5432, ip_protocol: "tcp", description: "Postgres from pr-42 tasks" }),
    ]);
  });

  test("the name comes from the validated PR number only", () => {
    expect(previewDatabaseName(7)).toBe("pr_7");
    for (const bad of [0, -1, 1.5, 100000, Number.NaN]) expect(() => previewDatabaseName(bad)).toThrow(/is not a whole number from 1 to 99999/);
  });

  test("the scripts pass the name to psql as one quoted variable, and the shell refuses any other name first", () => {
    // A stand-in psql prints its arguments and the script it reads, so the shell's handling is observable
    // (test/db/roles.test.ts runs the SQL itself with the real psql on a real PostgreSQL).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-psql-"));
    fs.writeFileSync(path.join(dir, "psql"), '#!/bin/sh\nfor a in "$@"; do printf "ARG[%s]\\n" "$a"; done\ncat\n', { mode: 0o755 });
    const run = (name: string, action: "db-init" | "db-drop") => spawnSync("sh", ["-c", PREVIEW_DATABASE_SCRIPTS[action]], { cwd: dir, encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH}`, PREVIEW_DATABASE: name } });
    const ok = run("pr_42", "db-init");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("ARG[db=pr_42]");
    expect(ok.stdout).toContain("ARG[pr_42]");
    for (const hostile of ['pr_1"; touch pwned; echo "', "app", "pr_123456"]) {
      for (const action of ["db-init", "db-drop"] as const) {
        const refused = run(hostile, action);
        expect(refused.status).toBe(2);
        expect(refused.stderr).toContain("not pr_<n>");
        expect(refused.stdout).not.toContain("ARG[");
      }
    }
    expect(fs.existsSync(path.join(dir, "pwned"))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the image follows the server's major, or is given", () => {
    const [def] = resources(synthTasks(42, { engineVersion: "15.7", region: "eu-west-1" }), "aws_ecs_task_definition");
    expect(containerOf(def!).image).toBe("public.ecr.aws/docker/library/postgres:15-alpine");
    expect(containerOf(def!).logConfiguration.options).toMatchObject({ "awslogs-region": "eu-west-1" });
    expect(containerOf(def!).environment).toEqual(expect.arrayContaining([{ name: "RDS_CA_BUNDLE", value: rdsRootCertificates("eu-west-1").join("") }]));
    const json = synthTasks(42, { image: "example.com/psql:17" });
    expect(containerOf(resources(json, "aws_ecs_task_definition")[0]!).image).toBe("example.com/psql:17");
  });

  test.each([
    ["a long-lived environment's tier", () => synthTasks(42, { lifecycle: lifecycleOf("standard") }), /database-tasks: "lifecycle" is the standard tier; db-init\/db-drop are for ephemeral pr-<n> databases/],
    ["another preview's database", () => synthTasks(42, { database: connection(43) }), /"database\.databaseName" "pr_43" is not this preview's database; use previewDbEndpoints\(shared, 42, region\)/],
    ["a PR number that is not one", () => synthTasks(42, { prNumber: 4.2, database: connection(42) }), /database-tasks: "prNumber" 4\.2 is not a whole number/],
    ["an engine version that is not one", () => synthTasks(42, { engineVersion: "sixteen" }), /database-tasks: "engineVersion" "sixteen" is not a PostgreSQL version/],
  ])("refuses %s", (_, build, message) => {
    expect(build).toThrow(message);
  });
});
