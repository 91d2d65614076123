import * as path from "node:path";
import { previewDown, type PreviewDownDeps } from "../../scripts/lib/preview-down";
import { runOneOffTask } from "../../scripts/lib/preview-tasks";
import { EXIT, parsePrArgument, PreviewUsageError } from "../../scripts/lib/preview-tools";
import { CLOUDFLARE_ENV, PREVIEW_OUTPUTS, fakeClock, fakeEcs, memoryLog, outputsJson, pullFailure, recordingRunner, runScript, stopped } from "./preview-helpers";

function deps(over: Partial<PreviewDownDeps> & { outputs?: Record<string, unknown> } = {}) {
  const log = memoryLog();
  const outputs = over.outputs ?? PREVIEW_OUTPUTS;
  const run = recordingRunner((line) => (line.startsWith("terraform output") ? { stdout: outputsJson(outputs) } : undefined));
  const synths: number[] = [];
  let credentialChecks = 0;
  const clock = fakeClock();
  const d: PreviewDownDeps = {
    env: { ...CLOUDFLARE_ENV, SHIPKIT_OPEN_PREVIEWS: "3" },
    root: "/project",
    log,
    run,
    tasks: fakeEcs(),
    checkCredentials: async () => {
      credentialChecks++;
      return undefined;
    },
    synth: (pr) => void synths.push(pr),
    wait: { pollMs: 5000, sleep: clock.sleep, now: clock.now },
    ...over,
  };
  return { d, log, run, synths, credentialChecks: () => credentialChecks };
}

const destroys = (lines: string[]): string[] => lines.filter((l) => l.includes("cdktf destroy"));

describe("preview:down sequencing", () => {
  test("db-drop exits 0: the DNS stack is destroyed, then the preview stack, each with --auto-approve", async () => {
    const ecs = fakeEcs({ states: [{ lastStatus: "PENDING" }, { lastStatus: "RUNNING" }, stopped(0)] });
    const { d, log, run, synths } = deps({ tasks: ecs });
    expect(await previewDown(42, d)).toBe(EXIT.ok);
    expect(synths).toEqual([42]);
    expect(run.lines()).toEqual(["terraform init -input=false -no-color -reconfigure", "terraform output -json -no-color", "npx cdktf destroy pr-42-dns --auto-approve", "npx cdktf destroy pr-42 --auto-approve"]);
    expect(run.calls[0]!.cwd).toBe(path.join("/project", "cdktf.out", "stacks", "pr-42"));
    // db-drop ran with the preview's network, waited until STOPPED.
    expect(ecs.runs).toEqual([
      expect.objectContaining({
        cluster: "shipkit-staging-cluster",
        taskDefinition: "shipkit-pr-42-db-drop",
        launchType: "FARGATE",
        networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-aaa", "subnet-bbb"], securityGroups: ["sg-preview42"], assignPublicIp: "DISABLED" } },
      }),
    ]);
    expect(ecs.describes).toBe(3);
    // Every child: no checkpoint call, the preview built, no preview cap on a teardown.
    for (const call of run.calls) {
      expect(call.env.CHECKPOINT_DISABLE).toBe("1");
      expect(call.env.PR_NUMBER).toBe("42");
      expect(call.env.SHIPKIT_OPEN_PREVIEWS).toBeUndefined();
    }
    const destroy = run.calls[2]!;
    // Validated even to destroy: a tag pr-42 may run.
    expect(destroy.env.TF_VAR_image_tag).toBe("pr-42-teardown");
    expect(destroy.env.TF_VAR_origin_verify_secret).toMatch(/^[0-9a-f]{48}$/);
    expect(destroy.env.CLOUDFLARE_API_TOKEN).toBe(CLOUDFLARE_ENV.CLOUDFLARE_API_TOKEN);
    expect(log.text()).toMatch(/done in .*database pr_42 dropped, pr-42-dns and pr-42 destroyed/);
  });

  test("db-drop exits non-zero: nothing is destroyed, exit non-zero, the message names the task ARN, the log stream and the rerun", async () => {
    const { d, log, run } = deps({ tasks: fakeEcs({ states: [{ lastStatus: "RUNNING" }, stopped(3)] }) });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(destroys(run.lines())).toEqual([]);
    const error = log.errors.join("\n");
    expect(error).toMatch(/db-drop exited 3/);
    expect(error).toMatch(/Task arn:aws:ecs:us-east-1:222222222222:task\/shipkit-staging-cluster\/task\d+/);
    expect(error).toMatch(/log group \/shipkit\/pr-42\/db-tasks, stream db-drop\/psql\/task\d+/);
    expect(error).toMatch(/Nothing was destroyed/);
    expect(error).toMatch(/npm run preview:down -- 42 again/);
  });

  test("db-drop never starts (CannotPullContainerError): fails loudly with the stop reason, nothing destroyed", async () => {
    const { d, log, run } = deps({ tasks: fakeEcs({ states: [pullFailure] }) });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(destroys(run.lines())).toEqual([]);
    expect(log.errors.join("\n")).toMatch(/db-drop never ran its command: TaskFailedToStart; CannotPullContainerError/);
  });

  test("RunTask places nothing (failures[]): fails with ECS's reason, nothing destroyed", async () => {
    const { d, log, run } = deps({ tasks: fakeEcs({ failures: [{ reason: "RESOURCE:ENI", arn: "arn:aws:ecs:us-east-1:222222222222:cluster/shipkit-staging-cluster" }] }) });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(destroys(run.lines())).toEqual([]);
    expect(log.errors.join("\n")).toMatch(/started no task: RESOURCE:ENI/);
  });

  test("missing Cloudflare variables: an error naming them, before anything runs", async () => {
    const ecs = fakeEcs();
    const { d, log, run, synths, credentialChecks } = deps({ tasks: ecs, env: {} });
    expect(await previewDown(42, d)).toBe(EXIT.usage);
    const error = log.errors.join("\n");
    expect(error).toMatch(/CLOUDFLARE_API_TOKEN is not set/);
    expect(error).toMatch(/TF_VAR_cloudflare_zone_id is not set/);
    expect(error).toMatch(/nothing was run/);
    expect(run.calls).toEqual([]);
    expect(ecs.runs).toEqual([]);
    expect(synths).toEqual([]);
    expect(credentialChecks()).toBe(0);
  });

  test("a zone id of the wrong shape is named with its value", async () => {
    const { d, log, run } = deps({ env: { ...CLOUDFLARE_ENV, TF_VAR_cloudflare_zone_id: "example.com" } });
    expect(await previewDown(42, d)).toBe(EXIT.usage);
    expect(log.errors.join("\n")).toMatch(/TF_VAR_cloudflare_zone_id="example.com" is not a zone id/);
    expect(run.calls).toEqual([]);
  });

  test("missing AWS credentials: stops before synth, terraform or ECS", async () => {
    const ecs = fakeEcs();
    const { d, log, run, synths } = deps({ tasks: ecs, checkCredentials: async () => "no AWS credentials (Could not load credentials from any providers)" });
    expect(await previewDown(42, d)).toBe(EXIT.usage);
    expect(log.errors.join("\n")).toMatch(/nothing was run: no AWS credentials/);
    expect(run.calls).toEqual([]);
    expect(synths).toEqual([]);
    expect(ecs.runs).toEqual([]);
  });

  test("SHIPKIT_OFFLINE=1 is refused", async () => {
    const { d, log, run } = deps({ env: { ...CLOUDFLARE_ENV, SHIPKIT_OFFLINE: "1" } });
    expect(await previewDown(42, d)).toBe(EXIT.usage);
    expect(log.errors.join("\n")).toMatch(/SHIPKIT_OFFLINE=1 is for plans only/);
    expect(run.calls).toEqual([]);
  });

  test("no state (never deployed or already destroyed): says so, runs no task, destroys both (no-ops), exit 0", async () => {
    const ecs = fakeEcs();
    const { d, log, run } = deps({ tasks: ecs, outputs: {} });
    expect(await previewDown(42, d)).toBe(EXIT.ok);
    expect(ecs.runs).toEqual([]);
    expect(log.text()).toMatch(/pr-42 has no state \(never deployed, or already destroyed\): no db-drop to run/);
    expect(destroys(run.lines())).toEqual(["npx cdktf destroy pr-42-dns --auto-approve", "npx cdktf destroy pr-42 --auto-approve"]);
    expect(run.calls[2]!.env.TF_VAR_image_tag).toBe("pr-42-teardown");
  });

  test("the db-drop task definition is gone already: not an error, says so, destroys", async () => {
    const error = Object.assign(new Error("TaskDefinition not found."), { name: "ClientException" });
    const { d, log, run } = deps({ tasks: fakeEcs({ runError: error }) });
    expect(await previewDown(42, d)).toBe(EXIT.ok);
    expect(log.text()).toMatch(/task definition shipkit-pr-42-db-drop does not exist .*continuing/);
    expect(destroys(run.lines())).toHaveLength(2);
  });

  test("RunTask refused for another reason (access denied): fails, nothing destroyed", async () => {
    const error = Object.assign(new Error("User is not authorized to perform: ecs:RunTask"), { name: "AccessDeniedException" });
    const { d, log, run } = deps({ tasks: fakeEcs({ runError: error }) });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(/RunTask shipkit-pr-42-db-drop in cluster shipkit-staging-cluster failed: AccessDeniedException/);
    expect(destroys(run.lines())).toEqual([]);
  });

  test("state with some task outputs missing: fails naming them, nothing destroyed", async () => {
    const { d, log, run } = deps({ outputs: { services_image_tag: "pr-42-abc1234" } });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(/lacks the output\(s\) ecs_cluster_name, private_subnet_ids, app_security_group_id/);
    expect(destroys(run.lines())).toEqual([]);
  });

  test("destroying the DNS stack fails: the preview stack is not destroyed, exit non-zero, says what to run", async () => {
    const log = memoryLog();
    const run = recordingRunner((line) => (line.startsWith("terraform output") ? { stdout: outputsJson(PREVIEW_OUTPUTS) } : line.includes("destroy pr-42-dns") ? { code: 1 } : undefined));
    const { d } = deps({ run, log });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(destroys(run.lines())).toEqual(["npx cdktf destroy pr-42-dns --auto-approve"]);
    expect(log.errors.join("\n")).toMatch(/cdktf destroy pr-42-dns exited 1 .*Tear down a stuck preview.*npm run preview:down -- 42 again/);
  });

  test("destroying the preview stack fails: exit non-zero after the DNS stack is gone", async () => {
    const log = memoryLog();
    const run = recordingRunner((line) => (line.startsWith("terraform output") ? { stdout: outputsJson(PREVIEW_OUTPUTS) } : line.endsWith("destroy pr-42 --auto-approve") ? { code: 1 } : undefined));
    const { d } = deps({ run, log });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(/cdktf destroy pr-42 exited 1 \(db-drop and pr-42-dns are done\)/);
  });

  test("terraform init fails (e.g. the state bucket refuses): nothing dropped or destroyed", async () => {
    const log = memoryLog();
    const run = recordingRunner((line) => (line.startsWith("terraform init") ? { code: 1, stdout: "Error: error configuring S3 Backend: no valid credential sources" } : undefined));
    const ecs = fakeEcs();
    const { d } = deps({ run, log, tasks: ecs });
    expect(await previewDown(42, d)).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(/FAILED reading pr-42's state: terraform init in \/project\/cdktf.out\/stacks\/pr-42 exited 1 \(its error is above\)\. Nothing was dropped or destroyed/);
    expect(ecs.runs).toEqual([]);
    expect(destroys(run.lines())).toEqual([]);
  });

  test("caller's TF_VAR_image_tag and origin secret win over the teardown defaults", async () => {
    const { d, run } = deps({ env: { ...CLOUDFLARE_ENV, TF_VAR_image_tag: "pr-42-fff0000", TF_VAR_origin_verify_secret: "A".repeat(40) } });
    expect(await previewDown(42, d)).toBe(EXIT.ok);
    expect(run.calls[2]!.env.TF_VAR_image_tag).toBe("pr-42-fff0000");
    expect(run.calls[2]!.env.TF_VAR_origin_verify_secret).toBe("A".repeat(40));
  });

  test("a tag pr-42 may not run (main's SHA, another PR's) is replaced, so the destroy passes validation", async () => {
    const { d, run } = deps({ env: { ...CLOUDFLARE_ENV, TF_VAR_image_tag: "0123abc", TF_VAR_migration_image_tag: "pr-41-0123abc" } });
    expect(await previewDown(42, d)).toBe(EXIT.ok);
    expect(run.calls[2]!.env.TF_VAR_image_tag).toBe("pr-42-teardown");
    expect(run.calls[2]!.env.TF_VAR_migration_image_tag).toBeUndefined();
  });
});

describe("waiting for a one-off task", () => {
  const task = { label: "db-drop", cluster: "c", family: "shipkit-pr-42-db-drop", subnets: ["s"], securityGroups: ["g"], container: "psql", logGroup: "/shipkit/pr-42/db-tasks", streamPrefix: "db-drop", region: "us-east-1" };

  test("a task that never stops times out with its ARN and how to look at it", async () => {
    const clock = fakeClock();
    const log = memoryLog();
    const outcome = await runOneOffTask(fakeEcs({ states: [{ lastStatus: "RUNNING" }] }), task, log, { pollMs: 6000, timeoutMs: 60_000, sleep: clock.sleep, now: clock.now });
    expect(outcome).toMatchObject({ status: "failed", reason: expect.stringMatching(/did not stop within 1 minutes .*aws ecs describe-tasks --cluster c --tasks arn:/) });
    // Progress at least every 10 s of waiting.
    expect(log.lines.filter((l) => /RUNNING after/.test(l)).length).toBeGreaterThanOrEqual(6);
  });

  test("a DescribeTasks error is retried, not fatal", async () => {
    const clock = fakeClock();
    const ecs = fakeEcs({ states: [stopped(0)] });
    let calls = 0;
    const flaky = { ...ecs, describeTasks: async (i: { cluster: string; tasks: string[] }) => (++calls === 1 ? Promise.reject(new Error("Rate exceeded")) : ecs.describeTasks(i)) };
    const outcome = await runOneOffTask(flaky, task, memoryLog(), { sleep: clock.sleep, now: clock.now });
    expect(outcome.status).toBe("succeeded");
    expect(calls).toBe(2);
  });
});

describe("arguments", () => {
  test.each([
    [undefined, /the pull-request number is missing/],
    ["0", /"0" is not a pull-request number: use a whole number from 1 to 99999/],
    ["42a", /"42a" is not a pull-request number/],
    ["100000", /"100000" is not a pull-request number/],
    ["-1", /"-1" is not a pull-request number/],
  ])("%s is refused with the fix", (raw, message) => {
    expect(() => parsePrArgument(raw, "npm run preview:down -- <pr number>")).toThrow(PreviewUsageError);
    expect(() => parsePrArgument(raw, "npm run preview:down -- <pr number>")).toThrow(message);
  });
});

describe("preview:down online path (real entry, no AWS credentials)", () => {
  test("stops at missing credentials, nothing else, and does not hang", async () => {
    const result = await runScript("preview-down.ts", ["42"], CLOUDFLARE_ENV);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/preview:down 42: nothing was run: no AWS credentials \(Could not load credentials from any providers\)/);
    expect(result.stdout).not.toMatch(/synthesizing/);
  });

  test("an unknown flag names itself and the usage", async () => {
    const result = await runScript("preview-down.ts", ["42", "--force"], CLOUDFLARE_ENV);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/usage: npm run preview:down -- <pr number>; unknown argument\(s\): "--force"/);
  });
});
