/**
 * Real offline `terraform plan` (AWS provider 5.100.0 from the mirror) of prod with a backup copy
 * region (DatabaseBackups with an aliased provider for the copy vault), the one database variant the
 * shipped environments do not plan; the shipped prod, staging and pr-42 (preview db-init/db-drop
 * against staging's instance) are planned once, in test/stacks/plan.test.ts. Also: no password
 * literal anywhere.
 */
import { ephemeral, prod, staging } from "../../environments";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { OFFLINE, planApp, synthStrict, tempApp, withEnv } from "../helpers";
import type { PlanSummary } from "../../scripts/lib/offline";
import type { SynthJson } from "../helpers";

const prodCopy = withEnv(prod, { database: { backupPlan: { retentionDays: 35, copyToRegion: "us-west-2" } } });
let plans: Record<string, PlanSummary> = {};

beforeAll(async () => {
  const app = tempApp();
  // EnvironmentStack wires PostgresDatabase and DatabaseBackups (with an aliased provider for the copy region) itself.
  new EnvironmentStack(app, { env: prodCopy, deployment: OFFLINE });
  plans = await planApp(app, ["prod"]);
});

describe("offline terraform plan with the database", () => {
  test("prod with a copy region plans", () => {
    expect(plans.prod?.error ?? "").toBe("");
    expect(plans.prod?.ok).toBe(true);
  });

  test("prod: primary + replica, backup vaults in two regions, plan, heartbeat", () => {
    const p = plans.prod!.toAdd;
    expect(p.aws_db_instance).toBe(2);
    expect(p.aws_db_parameter_group).toBe(2);
    expect(p.aws_backup_vault).toBe(2);
    expect(p.aws_backup_plan).toBe(1);
    expect(p.aws_backup_selection).toBe(1);
    expect(p.aws_cloudwatch_event_rule).toBeGreaterThanOrEqual(1);
  });
});

/**
 * In Terraform-encoded container definitions (`${jsonencode([...])}`): a key named like a password
 * with a literal value, or a plain `environment` entry named like a password (whatever its value:
 * credentials travel only as ECS `secrets`, i.e. `valueFrom`).
 */
const ENCODED_PASSWORD = [/passw(or)?d"?\s*[:=]\s*"(?!\$\{)/i, /"name"\s*=\s*"[A-Z0-9_]*PASSW(OR)?D[A-Z0-9_]*",\s*"value"\s*=/i];

describe("no password literal in any synthesized stack", () => {
  const offenders = (node: unknown, where = ""): string[] => {
    if (Array.isArray(node)) return node.flatMap((v, i) => offenders(v, `${where}[${i}]`));
    if (node === null || typeof node !== "object") return [];
    return Object.entries(node).flatMap(([k, v]) => {
      const here = `${where}.${k}`;
      const literal = typeof v === "string" && !v.startsWith("${");
      // `password_wo_version` is a rotation counter, not a password.
      const bad = /passw(or)?d/i.test(k) && !/_version$/.test(k) && (literal || typeof v === "number");
      // ECS container definitions are JSON strings: look inside them too.
      // (Some are literal JSON, others Terraform `${jsonencode(...)}`: then search the text.)
      const nested =
        typeof v === "string" && k === "container_definitions"
          ? v.startsWith("[")
            ? offenders(JSON.parse(v), here)
            : ENCODED_PASSWORD.some((re) => re.test(v)) ? [here] : []
          : [];
      return [...(bad ? [here] : []), ...nested, ...offenders(v, here)];
    });
  };

  test.each<[string, (app: ReturnType<typeof tempApp>) => EnvironmentStack]>([
    ["prod", (app) => new EnvironmentStack(app, { env: prod, deployment: OFFLINE })],
    ["staging", (app) => new EnvironmentStack(app, { env: staging, deployment: OFFLINE })],
    ["pr-42", (app) => new EnvironmentStack(app, { env: ephemeral(42), deployment: OFFLINE })],
  ])("%s", (_, build) => {
    const json = synthStrict(build(tempApp()));
    expect(offenders(json)).toEqual([]);
    for (const db of Object.values(json.resource?.aws_db_instance ?? {})) {
      // The master password reaches RDS only write-only, from the ephemeral variable (never RDS-managed:
      // RDS refuses a replica of such a source).
      if (!db.replicate_source_db) expect(db.password_wo).toBe("${var.db_master_password}");
      else expect(db).not.toHaveProperty("password_wo");
      expect(db).not.toHaveProperty("manage_master_user_password");
      expect(db).not.toHaveProperty("password");
    }
    // Credentials reach containers only as ECS secrets.
    for (const def of Object.values(json.resource?.aws_ecs_task_definition ?? {})) {
      if (!String(def.container_definitions).startsWith("[")) continue; // Terraform-encoded: covered by the text search above
      for (const c of JSON.parse(def.container_definitions as string) as { environment?: { name: string }[] }[])
        expect((c.environment ?? []).filter((e) => /PASSWORD/.test(e.name))).toEqual([]);
    }
  });

  test("the check itself catches a literal", () => {
    expect(offenders({ resource: { x: { y: { password: "hunter2" } } } })).toEqual([".resource.x.y.password"]);
    const encoded = (entry: string) => ({ resource: { aws_ecs_task_definition: { t: { container_definitions: `\${jsonencode([{"name" = "app", "environment" = [${entry}]}])}` } } } });
    expect(offenders(encoded('{"name" = "DATABASE_PASSWORD", "value" = "hunter2"}'))).toEqual([".resource.aws_ecs_task_definition.t.container_definitions"]);
    expect(offenders(encoded('{"name" = "PGPASSWORD", "value" = aws_db_instance.db.password}'))).toEqual([".resource.aws_ecs_task_definition.t.container_definitions"]);
    expect(offenders(encoded('{"name" = "DATABASE_PASSWORD", "valueFrom" = "${aws_db_instance.db.master_user_secret[0].secret_arn}:password::"}'))).toEqual([]);
  });
});

/** The tasks allowed to receive the master secret: the one-off admin tasks. */
const ADMIN_TASK = /-(db-bootstrap|db-adopt-public|db-init|db-drop)$/;
/** A reference to the master secret: the kit-owned secret resource, or staging's shared output in a preview. */
const MASTER_SECRET_REF = /aws_secretsmanager_secret\.database_master-secret_[0-9A-F]+\.arn|outputs\.db_secret_arn/;

/** Families of task definitions whose containers (literal JSON or Terraform-encoded) reference the master secret. */
function masterSecretHolders(json: SynthJson): string[] {
  return Object.values(json.resource?.aws_ecs_task_definition ?? {})
    .filter((def) => MASTER_SECRET_REF.test(String(def.container_definitions)))
    .map((def) => String(def.family));
}

describe("only one-off admin tasks ever receive the master secret", () => {
  test.each<[string, (app: ReturnType<typeof tempApp>) => EnvironmentStack, string[]]>([
    ["prod", (app) => new EnvironmentStack(app, { env: prod, deployment: OFFLINE }), ["shipkit-prod-db-adopt-public", "shipkit-prod-db-bootstrap"]],
    ["staging", (app) => new EnvironmentStack(app, { env: staging, deployment: OFFLINE }), ["shipkit-staging-db-adopt-public", "shipkit-staging-db-bootstrap"]],
    ["pr-42", (app) => new EnvironmentStack(app, { env: ephemeral(42), deployment: OFFLINE }), ["shipkit-pr-42-db-drop", "shipkit-pr-42-db-init"]],
  ])("%s: services, cron jobs and the migration connect without it", (_, build, admins) => {
    const json = synthStrict(build(tempApp()));
    const families = Object.values(json.resource?.aws_ecs_task_definition ?? {}).map((d) => String(d.family));
    expect(families.length).toBeGreaterThan(admins.length);
    expect(masterSecretHolders(json).sort()).toEqual(admins);
    expect(masterSecretHolders(json).every((f) => ADMIN_TASK.test(f))).toBe(true);
    // Nor may any role other than the admin tasks' execution role read it.
    const readers = Object.entries(json.data?.aws_iam_policy_document ?? {})
      .filter(([, doc]) => MASTER_SECRET_REF.test(JSON.stringify(doc)))
      .map(([id]) => id);
    expect(readers).toEqual([expect.stringMatching(/^database-(admin|tasks)_execution-permissions_/)]);
  });

  test("the check fires when a service is handed the master secret", () => {
    const json = synthStrict(new EnvironmentStack(tempApp(), { env: staging, deployment: OFFLINE }));
    const web = Object.values(json.resource!.aws_ecs_task_definition!).find((d) => d.family === "shipkit-staging-web")!;
    const secretId = Object.keys(json.resource!.aws_secretsmanager_secret!).find((k) => k.startsWith("database_master-secret_"))!;
    web.container_definitions = String(web.container_definitions).replace('"secrets" = []', `"secrets" = [{"name" = "PGPASSWORD", "valueFrom" = "\${aws_secretsmanager_secret.${secretId}.arn}:password::"}]`);
    expect(masterSecretHolders(json)).toContain("shipkit-staging-web");
  });
});
