/**
 * npm run migrate -- <prod|staging> --sha <sha> (deploy.yml's "Migrate first"): the migration
 * revision is registered while the services keep their tag, the task runs and is judged by its exit
 * code; AWS and terraform are fakes (tests never reach AWS), the real entry stops at missing credentials.
 */
import { prod, staging } from "../../environments";
import { migrate, migrateTask, parseMigrateArgs, type MigrateDeps } from "../../scripts/lib/migrate";
import { EXIT } from "../../scripts/lib/preview-tools";
import { fakeClock, fakeEcs, memoryLog, outputsJson, recordingRunner, runScript, stopped } from "./preview-helpers";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const RUNNING = "fedcba9876543210fedcba9876543210fedcba98";
const OUTPUTS = {
  services_image_tag: RUNNING,
  ecs_cluster_name: "shipkit-staging-cluster",
  private_subnet_ids: ["subnet-aaa", "subnet-bbb"],
  app_security_group_id: "sg-app",
  migration_task_family: "shipkit-staging-migrate",
};

function deps(opts: { outputs?: Record<string, unknown>; failing?: RegExp; taskExit?: number; over?: Partial<MigrateDeps> } = {}) {
  const log = memoryLog();
  const run = recordingRunner((line) => {
    if (opts.failing?.test(line)) return { code: 1 };
    if (line.startsWith("terraform output")) return { stdout: outputsJson(opts.outputs ?? OUTPUTS) };
    return undefined;
  });
  const clock = fakeClock();
  const ecs = fakeEcs({ perFamily: { "shipkit-staging-migrate": [{ lastStatus: "RUNNING" }, stopped(opts.taskExit ?? 0, "migrate")] } });
  let synths = 0;
  const d: MigrateDeps = {
    env: { TF_VAR_origin_verify_secret: "S".repeat(40) },
    root: "/project",
    log,
    run,
    tasks: ecs,
    checkCredentials: async () => undefined,
    synth: () => void synths++,
    wait: { pollMs: 5000, sleep: clock.sleep, now: clock.now },
    ...opts.over,
  };
  return { d, log, run, ecs, synths: () => synths };
}

describe("npm run migrate", () => {
  test("registers the migration at the SHA while services keep their tag, runs it, exit 0 on success", async () => {
    const { d, run, ecs, log, synths } = deps();
    expect(await migrate(staging, SHA, d)).toBe(EXIT.ok);
    expect(synths()).toBe(1);
    const deploy = run.calls.filter((c) => c.command === "npx");
    expect(deploy.map((c) => `${c.command} ${c.args.join(" ")}`)).toEqual(["npx cdktf deploy staging --auto-approve"]);
    expect(deploy[0]!.env).toMatchObject({ TF_VAR_image_tag: RUNNING, TF_VAR_migration_image_tag: SHA, CHECKPOINT_DISABLE: "1" });
    expect(deploy[0]!.env.TF_VAR_db_master_password).toBeDefined();
    expect(ecs.runs).toHaveLength(1);
    expect(ecs.runs[0]).toMatchObject({ cluster: "shipkit-staging-cluster", taskDefinition: "shipkit-staging-migrate", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-aaa", "subnet-bbb"], securityGroups: ["sg-app"] } } });
    expect(log.text()).toMatch(new RegExp(`migration ${SHA} succeeded .*now deploy image_tag=${SHA}`));
  });

  test("a failing migration exits 1, names the log stream, and says the services still run the old tag", async () => {
    const { d, log } = deps({ taskExit: 3 });
    expect(await migrate(staging, SHA, d)).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(new RegExp(`FAILED: the migration did not succeed: .*exit.*3[\\s\\S]*log group /shipkit/staging/migrate[\\s\\S]*The services still run ${RUNNING}; do not deploy ${SHA}`));
  });

  test("a failed deploy of the migration revision runs no task", async () => {
    const { d, ecs, log } = deps({ failing: /^npx cdktf deploy/ });
    expect(await migrate(staging, SHA, d)).toBe(EXIT.failed);
    expect(ecs.runs).toEqual([]);
    expect(log.errors.join("\n")).toMatch(/cdktf deploy staging exited 1 \(registering the migration revision\)/);
  });

  test("a first deploy (no services_image_tag) has nothing to migrate ahead of: exit 0, nothing deployed", async () => {
    const { d, run, ecs, log } = deps({ outputs: {} });
    expect(await migrate(staging, SHA, d)).toBe(EXIT.ok);
    expect(run.calls.filter((c) => c.command === "npx")).toEqual([]);
    expect(ecs.runs).toEqual([]);
    expect(log.text()).toMatch(/no services_image_tag output \(a first deploy\)/);
  });

  test("nothing runs without the origin secret or credentials", async () => {
    const noSecret = deps({ over: { env: {} } });
    expect(await migrate(staging, SHA, noSecret.d)).toBe(EXIT.usage);
    expect(noSecret.run.calls).toEqual([]);
    // The message names the class's own secret: prod's for prod, staging's for staging.
    expect(noSecret.log.errors.join("\n")).toMatch(/staging's origin-verify secret; CI: the ORIGIN_VERIFY_SECRET_STAGING secret/);
    const noProdSecret = deps({ over: { env: {} } });
    expect(await migrate(prod, SHA, noProdSecret.d)).toBe(EXIT.usage);
    expect(noProdSecret.log.errors.join("\n")).toMatch(/prod's origin-verify secret; CI: the ORIGIN_VERIFY_SECRET_PROD secret/);
    const noCreds = deps({ over: { checkCredentials: async () => "no AWS credentials (test)" } });
    expect(await migrate(prod, SHA, noCreds.d)).toBe(EXIT.usage);
    expect(noCreds.synths()).toBe(0);
  });

  test("arguments: prod or staging, --sha and a git SHA", () => {
    expect(parseMigrateArgs(["prod", "--sha", SHA])).toEqual({ env: "prod", sha: SHA });
    expect(() => parseMigrateArgs(["pr-42", "--sha", SHA])).toThrow(/"pr-42" is not prod or staging \(previews migrate in npm run preview:up\)/);
    expect(() => parseMigrateArgs(["prod", "--sha", "main"])).toThrow(/"main" is not a git SHA/);
    expect(() => parseMigrateArgs(["prod"])).toThrow(/give exactly --sha <sha>/);
  });

  test("the task is placed from the stack's outputs; missing outputs give none", () => {
    expect(migrateTask(prod, { ...OUTPUTS, migration_task_family: "shipkit-prod-migrate" })).toMatchObject({ family: "shipkit-prod-migrate", container: "migrate", logGroup: "/shipkit/prod/migrate", streamPrefix: "migrate" });
    expect(migrateTask(prod, { ...OUTPUTS, app_security_group_id: undefined })).toBeUndefined();
  });

  test("the real entry: a bad argument exits 2; without credentials it stops before anything runs", async () => {
    const bad = await runScript("migrate.ts", ["qa", "--sha", SHA]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/usage: npm run migrate -- <prod\|staging> --sha <git sha>/);
    const r = await runScript("migrate.ts", ["staging", "--sha", SHA], { TF_VAR_origin_verify_secret: "S".repeat(40) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/migrate staging: nothing was run: no AWS credentials/);
  });
});
