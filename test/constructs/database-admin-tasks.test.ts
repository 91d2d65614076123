import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { prod } from "../../environments";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { DatabaseAdminTasks, RDS_CA_FILE, psqlScript, type DatabaseAdminTasksProps } from "../../lib/data/database-admin-tasks";
import { BOOTSTRAP_SQL } from "../../lib/data/database-roles";
import { rdsRootCertificates } from "../../runtime/database-contract";
import { resources, synthEnv, type SynthJson } from "../helpers";

const SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:shipkit-prod-db-master-AbCdEf";
const props: DatabaseAdminTasksProps = {
  names: new Names("shipkit", "prod"),
  lifecycle: lifecycleOf("protected"),
  region: "us-east-1",
  engineVersion: "16",
  database: { host: "shipkit-prod-db.abc.us-east-1.rds.amazonaws.com", port: 5432 },
  masterSecretArn: SECRET,
  tasks: { "db-bootstrap": { script: psqlScript(BOOTSTRAP_SQL), environment: { PGDATABASE: "app" } } },
};
const synth = (extra: Partial<DatabaseAdminTasksProps> = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new DatabaseAdminTasks(s, "database-admin", { ...props, ...extra }))) as SynthJson;

interface Container { readonlyRootFilesystem?: boolean; mountPoints?: unknown[]; image: string; entryPoint: string[]; command: string[]; environment: { name: string; value: string }[]; secrets: { name: string; valueFrom: string }[] }
const containerOf = (def: Record<string, unknown>): Container => (JSON.parse(def.container_definitions as string) as Container[])[0]!;

describe("DatabaseAdminTasks", () => {
  test("a one-off psql task per script: the master secret as ECS secrets, verify-full TLS with the region's RDS CAs", () => {
    const [def, ...rest] = resources(synth(), "aws_ecs_task_definition");
    expect(rest).toEqual([]);
    expect(def).toMatchObject({ family: "shipkit-prod-db-bootstrap", requires_compatibilities: ["FARGATE"], cpu: "256", memory: "512" });
    expect(def).not.toHaveProperty("task_role_arn");
    expect(def!.volume).toEqual([{ name: "tmp" }]);
    const c = containerOf(def!);
    expect(c).toMatchObject({ readonlyRootFilesystem: true, mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }] });
    expect(c.image).toBe("public.ecr.aws/docker/library/postgres:16-alpine");
    expect(c.entryPoint).toEqual(["sh", "-c"]);
    expect(Object.fromEntries(c.environment.map((e) => [e.name, e.value]))).toEqual({
      PGHOST: props.database.host, PGPORT: "5432", PGSSLMODE: "verify-full", PGSSLROOTCERT: RDS_CA_FILE, PGAPPNAME: "shipkit-prod-db-bootstrap",
      RDS_CA_BUNDLE: rdsRootCertificates("us-east-1").join(""), PGDATABASE: "app",
    });
    expect(c.secrets).toEqual([{ name: "PGUSER", valueFrom: `${SECRET}:username::` }, { name: "PGPASSWORD", valueFrom: `${SECRET}:password::` }]);
    expect(c.command[0]).toContain(BOOTSTRAP_SQL);
  });

  test("the execution role reads exactly the master secret and writes its log group", () => {
    const json = synth();
    const doc = Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.includes("execution-permissions"))![1];
    expect(doc.statement).toEqual([
      expect.objectContaining({ actions: ["secretsmanager:GetSecretValue"], resources: [SECRET] }),
      expect.objectContaining({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"] }),
    ]);
    expect(resources(json, "aws_cloudwatch_log_group")).toEqual([expect.objectContaining({ name: "/shipkit/prod/db-tasks", retention_in_days: 90 })]);
  });

  test("the command writes the CA bundle where PGSSLROOTCERT points, then runs psql with the SQL on stdin", () => {
    // A stand-in psql copies the CA file and its stdin out, so the shell part is observable.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-admin-"));
    fs.writeFileSync(path.join(dir, "psql"), `#!/bin/sh\ncp "$PGSSLROOTCERT" "${dir}/ca.pem"\ncat > "${dir}/stdin.sql"\n`, { mode: 0o755 });
    const c = containerOf(resources(synth(), "aws_ecs_task_definition")[0]!);
    const env = Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
    const run = spawnSync("sh", ["-c", c.command[0]!], { encoding: "utf8", env: { ...env, PATH: `${dir}:${process.env.PATH}` } });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "ca.pem"), "utf8")).toBe(rdsRootCertificates("us-east-1").join(""));
    expect(fs.readFileSync(path.join(dir, "stdin.sql"), "utf8")).toBe(`${BOOTSTRAP_SQL}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the region's three G1 root CAs, and no CA for a region that is not one", () => {
    const subjects = rdsRootCertificates("eu-west-1").map((pem) => new X509Certificate(pem).subject);
    expect(subjects.map((s) => /CN=(.*)/.exec(s)![1]).sort()).toEqual([
      "Amazon RDS eu-west-1 Root CA ECC384 G1", "Amazon RDS eu-west-1 Root CA RSA2048 G1", "Amazon RDS eu-west-1 Root CA RSA4096 G1",
    ]);
    expect(() => synth({ region: "us-east-9" })).toThrow(/no RDS root certificate authority for region "us-east-9"/);
  });

  test.each([
    ["no scripts", { tasks: {} }, /database-admin: "tasks" is empty/],
    ["an engine version that is not one", { engineVersion: "sixteen" }, /database-admin: "engineVersion" "sixteen" is not a PostgreSQL version/],
  ])("refuses %s", (_, extra, message) => {
    expect(() => synth(extra as Partial<DatabaseAdminTasksProps>)).toThrow(message);
  });

  test("psqlScript refuses SQL that would end its heredoc early", () => {
    for (const sql of ["SELECT 1;\nSQL\nrm -rf /", "SQL\nrm -rf /", "SELECT 1;\nSQL"]) expect(() => psqlScript(sql)).toThrow(/heredoc terminator/);
    expect(psqlScript("SELECT 1;", "-d postgres")).toBe("psql -X -v ON_ERROR_STOP=1 -d postgres <<'SQL'\nSELECT 1;\nSQL");
  });

  test("prod gets db-bootstrap against its app database, reading its own master secret, with its family as an output", () => {
    const json = synthEnv(prod);
    const bootstrap = resources(json, "aws_ecs_task_definition").find((d) => d.family === "shipkit-prod-db-bootstrap")!;
    expect(containerOf(bootstrap).environment).toEqual(expect.arrayContaining([{ name: "PGDATABASE", value: "app" }]));
    expect(String(containerOf(bootstrap).secrets[0]!.valueFrom)).toMatch(/aws_secretsmanager_secret\.database_master-secret_\w+\.arn/);
    expect(json.output?.db_bootstrap_task_family).toBeDefined();
  });
});
