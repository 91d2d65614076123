import { EnvironmentConfigError, previewCapacity, staging } from "../../environments";
import type { PreviewState } from "../../scripts/lib/preview-state";
import { EXIT } from "../../scripts/lib/preview-tools";
import { previewUp, previewUpProblems, type PreviewUpDeps } from "../../scripts/lib/preview-up";
import { CLOUDFLARE_ENV, PREVIEW_OUTPUTS, fakeClock, fakeEcs, memoryLog, outputsJson, recordingRunner, runScript, stopped } from "./preview-helpers";

const NEW_TAG = "pr-42-0123456789abcdef0123456789abcdef01234567";
const ENV = { ...CLOUDFLARE_ENV, TF_VAR_image_tag: NEW_TAG, TF_VAR_origin_verify_secret: "S".repeat(40) };
const state = (pr: number, resources = 30): PreviewState => ({ pr, key: `pr-${pr}/terraform.tfstate`, lastModified: new Date(), resources });

/** Both answers of `terraform output -json`: before the first deploy and after it. */
function deps(opts: { before?: Record<string, unknown>; after?: Record<string, unknown>; over?: Partial<PreviewUpDeps>; failing?: RegExp } = {}) {
  const log = memoryLog();
  let outputsRead = 0;
  const run = recordingRunner((line) => {
    if (opts.failing?.test(line)) return { code: 1 };
    if (line.startsWith("terraform output")) return { stdout: outputsJson(outputsRead++ === 0 ? (opts.before ?? PREVIEW_OUTPUTS) : (opts.after ?? { ...PREVIEW_OUTPUTS, services_image_tag: NEW_TAG })) };
    return undefined;
  });
  const synths: [number, number][] = [];
  const outputs: [string, string][] = [];
  const clock = fakeClock();
  const ecs = fakeEcs({ perFamily: { "shipkit-pr-42-db-init": [{ lastStatus: "RUNNING" }, stopped(0)], "shipkit-pr-42-migrate": [stopped(0, "migrate")] } });
  const d: PreviewUpDeps = {
    env: ENV,
    root: "/project",
    log,
    run,
    tasks: ecs,
    checkCredentials: async () => undefined,
    listStates: async () => [state(7), state(42), state(9, 0), state(100)],
    synth: (pr, open) => void synths.push([pr, open]),
    wait: { pollMs: 5000, sleep: clock.sleep, now: clock.now },
    setOutput: (name, value) => void outputs.push([name, value]),
    ...opts.over,
  };
  return { d, log, run, ecs, synths, outputs };
}

const cdktf = (lines: string[]): string[] => lines.filter((l) => l.startsWith("npx cdktf"));

describe("preview:up sequencing", () => {
  test("an existing preview: migration revision first, db-init, migrate, services on the new tag, DNS, URL", async () => {
    const { d, log, run, ecs, synths, outputs } = deps();
    expect(await previewUp(42, d)).toBe(EXIT.ok);
    // Two other live previews (pr-7, pr-100); pr-9's state is empty, pr-42 is this one.
    expect(synths).toEqual([[42, 2]]);
    expect(cdktf(run.lines())).toEqual(["npx cdktf deploy pr-42 --auto-approve", "npx cdktf deploy pr-42 --auto-approve", "npx cdktf deploy pr-42-dns --auto-approve"]);
    const deploys = run.calls.filter((c) => c.command === "npx");
    // a) services stay on the running tag, the migration moves ahead.
    expect(deploys[0]!.env).toMatchObject({ TF_VAR_image_tag: "pr-42-abc1234", TF_VAR_migration_image_tag: NEW_TAG, SHIPKIT_OPEN_PREVIEWS: "2", PR_NUMBER: "42", CHECKPOINT_DISABLE: "1" });
    // b) services move; the migration follows image_tag again.
    expect(deploys[1]!.env.TF_VAR_image_tag).toBe(NEW_TAG);
    expect(deploys[1]!.env.TF_VAR_migration_image_tag).toBeUndefined();
    expect(deploys[2]!.env.SHIPKIT_OPEN_PREVIEWS).toBe("2");
    expect(ecs.runs.map((r) => r.taskDefinition)).toEqual(["shipkit-pr-42-db-init", "shipkit-pr-42-migrate"]);
    expect(ecs.runs[1]!.networkConfiguration).toEqual({ awsvpcConfiguration: { subnets: ["subnet-aaa", "subnet-bbb"], securityGroups: ["sg-preview42"], assignPublicIp: "DISABLED" } });
    expect(ecs.forced).toEqual([]);
    // Every run happens in order: deploy a) before the tasks, deploy b) after them.
    const order = run.lines().filter((l) => !l.startsWith("terraform init"));
    expect(order).toEqual(["terraform output -json -no-color", "npx cdktf deploy pr-42 --auto-approve", "terraform output -json -no-color", "npx cdktf deploy pr-42 --auto-approve", "npx cdktf deploy pr-42-dns --auto-approve"]);
    expect(outputs).toEqual([["url", "https://pr-42-staging.example.com"]]);
    expect(log.text()).toMatch(/done in .*: https:\/\/pr-42-staging\.example\.com runs pr-42-0123/);
  });

  test("a new preview: deployed on the new tag, db-init and migrate, services restarted, DNS", async () => {
    const { d, log, run, ecs } = deps({ before: {} });
    expect(await previewUp(42, d)).toBe(EXIT.ok);
    expect(cdktf(run.lines())).toEqual(["npx cdktf deploy pr-42 --auto-approve", "npx cdktf deploy pr-42-dns --auto-approve"]);
    expect(run.calls.find((c) => c.command === "npx")!.env.TF_VAR_image_tag).toBe(NEW_TAG);
    expect(ecs.runs.map((r) => r.taskDefinition)).toEqual(["shipkit-pr-42-db-init", "shipkit-pr-42-migrate"]);
    expect(ecs.forced).toEqual([
      { cluster: "shipkit-staging-cluster", service: "shipkit-pr-42-backend" },
      { cluster: "shipkit-staging-cluster", service: "shipkit-pr-42-web" },
    ]);
    expect(log.text()).toMatch(/pr-42 is new \(no state\)/);
  });

  test("a preview still on a tag it may no longer run (not pr-42-*): deployed on the new tag directly, then restarted", async () => {
    const { d, log, run, ecs } = deps({ before: { ...PREVIEW_OUTPUTS, services_image_tag: "abc1234" } });
    expect(await previewUp(42, d)).toBe(EXIT.ok);
    expect(cdktf(run.lines())).toEqual(["npx cdktf deploy pr-42 --auto-approve", "npx cdktf deploy pr-42-dns --auto-approve"]);
    expect(run.calls.find((c) => c.command === "npx")!.env.TF_VAR_image_tag).toBe(NEW_TAG);
    expect(ecs.forced).toHaveLength(2);
    expect(log.text()).toMatch(/pr-42 runs abc1234, a tag it may no longer run/);
  });

  test("the migration fails: services stay on their tag, no DNS, exit non-zero with the task and logs", async () => {
    const { d, log, run, ecs } = deps({ over: { tasks: fakeEcs({ perFamily: { "shipkit-pr-42-db-init": [stopped(0)], "shipkit-pr-42-migrate": [stopped(1, "migrate")] } }) } });
    expect(await previewUp(42, d)).toBe(EXIT.failed);
    expect(cdktf(run.lines())).toEqual(["npx cdktf deploy pr-42 --auto-approve"]);
    const error = log.errors.join("\n");
    expect(error).toMatch(/migrate did not succeed: migrate exited 1/);
    expect(error).toMatch(/log group \/shipkit\/pr-42\/migrate, stream migrate\/migrate\/task\d+/);
    expect(error).toMatch(/services still run pr-42-abc1234/);
    expect(error).toMatch(/npm run preview:up -- 42 again/);
    expect(ecs.forced).toEqual([]);
  });

  test("db-init fails: the migration never runs", async () => {
    const ecs = fakeEcs({ perFamily: { "shipkit-pr-42-db-init": [stopped(2)] } });
    const { d, log } = deps({ over: { tasks: ecs } });
    expect(await previewUp(42, d)).toBe(EXIT.failed);
    expect(ecs.runs.map((r) => r.taskDefinition)).toEqual(["shipkit-pr-42-db-init"]);
    expect(log.errors.join("\n")).toMatch(/db-init did not succeed: db-init exited 2/);
  });

  test("the first deploy fails: no task runs", async () => {
    const { d, ecs, log } = deps({ failing: /^npx cdktf deploy pr-42 / });
    expect(await previewUp(42, d)).toBe(EXIT.failed);
    expect(ecs.runs).toEqual([]);
    expect(log.errors.join("\n")).toMatch(/cdktf deploy pr-42 exited 1 \(services stay on pr-42-abc1234, the migration task moves to pr-42-0123/);
  });

  test("the open-preview cap (previewCapacity of staging) refuses before synth: nothing deployed, names the limit and the fix", async () => {
    const cap = previewCapacity(staging);
    const full = Array.from({ length: cap.maxOpen }, (_, i) => state(1000 + i));
    const { d, log, run, synths } = deps({ over: { listStates: async () => [...full, state(42)] } });
    expect(await previewUp(42, d)).toBe(EXIT.failed);
    expect(synths).toEqual([]);
    expect(run.calls).toEqual([]);
    expect(log.errors.join("\n")).toMatch(new RegExp(`nothing was deployed: pr-42: ${cap.maxOpen} other previews are open and staging's ALB fits ${cap.limit} .*npm run previews:sweep -- --apply`));
  });

  test("one below the cap: deployed, and the count reaches the synth and every cdktf child", async () => {
    const cap = previewCapacity(staging);
    const others = Array.from({ length: cap.maxOpen - 1 }, (_, i) => state(1000 + i));
    const { d, run, synths } = deps({ over: { listStates: async () => others } });
    expect(await previewUp(42, d)).toBe(EXIT.ok);
    expect(synths).toEqual([[42, cap.maxOpen - 1]]);
    for (const c of run.calls.filter((c) => c.command === "npx")) expect(c.env.SHIPKIT_OPEN_PREVIEWS).toBe(String(cap.maxOpen - 1));
  });

  test("the open-preview cap refuses at synth: nothing deployed, says what to do", async () => {
    const { d, log, run } = deps({
      over: {
        synth: () => {
          throw new EnvironmentConfigError(["pr-42: 49 previews are open besides this one; staging's ALB fits 49 (100 target groups per ALB, not adjustable)"]);
        },
      },
    });
    expect(await previewUp(42, d)).toBe(EXIT.failed);
    expect(run.calls).toEqual([]);
    expect(log.errors.join("\n")).toMatch(/nothing was deployed: Invalid environment configuration:[\s\S]*fits 49[\s\S]*npm run previews:sweep -- --apply/);
  });

  test("missing or wrong variables are named, with the value and the fix, before anything runs", async () => {
    let listed = false;
    const { d, log, run } = deps({ over: { env: { TF_VAR_image_tag: "abc1234" }, listStates: async () => ((listed = true), []) } });
    expect(await previewUp(42, d)).toBe(EXIT.usage);
    const error = log.errors.join("\n");
    expect(error).toMatch(/TF_VAR_image_tag="abc1234" is not a tag of PR 42: previews run images tagged pr-42-<git sha>/);
    expect(error).toMatch(/TF_VAR_origin_verify_secret is not set/);
    expect(error).toMatch(/CLOUDFLARE_API_TOKEN is not set/);
    expect(error).toMatch(/TF_VAR_cloudflare_zone_id is not set/);
    expect(run.calls).toEqual([]);
    expect(listed).toBe(false);
  });

  test("the image tag must be this PR's", () => {
    expect(previewUpProblems(42, { ...ENV, TF_VAR_image_tag: "pr-43-abc1234" }, "example.com")).toEqual([expect.stringMatching(/"pr-43-abc1234" is not a tag of PR 42/)]);
    expect(previewUpProblems(42, { ...ENV, TF_VAR_image_tag: "pr-42-abc1234" }, "example.com")).toEqual([]);
    expect(previewUpProblems(42, { ...ENV, TF_VAR_image_tag: undefined }, "example.com")).toEqual([expect.stringMatching(/TF_VAR_image_tag is not set/)]);
  });

  test("missing AWS credentials: nothing listed, synthesized or run", async () => {
    const { d, log, run, synths } = deps({ over: { checkCredentials: async () => "no AWS credentials (x)" } });
    expect(await previewUp(42, d)).toBe(EXIT.usage);
    expect(log.errors.join("\n")).toMatch(/nothing was run: no AWS credentials/);
    expect(run.calls).toEqual([]);
    expect(synths).toEqual([]);
  });
});

describe("preview:up online path (real entry, no AWS credentials)", () => {
  test("stops at missing credentials, nothing else, and does not hang", async () => {
    const result = await runScript("preview-up.ts", ["42"], ENV);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/preview:up 42: nothing was run: no AWS credentials \(Could not load credentials from any providers\)/);
  });

  test("a bad PR number names the value and the usage", async () => {
    const result = await runScript("preview-up.ts", ["pr-42"], ENV);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/usage: TF_VAR_image_tag=pr-<n>-<sha> npm run preview:up -- <pr number>; "pr-42" is not a pull-request number/);
  });
});
