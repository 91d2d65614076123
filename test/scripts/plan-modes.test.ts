/**
 * Offline and online plans in one checkout: the offline plan writes .offline/, the online plan
 * cdktf.out/, so the online plan after an offline one meets its own S3 backend and stops at the
 * missing credentials, never at "Backend configuration changed". No credentials, no instance
 * metadata, an empty HOME: nothing can reach AWS.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findProviderMirror, writeCliConfig } from "../../scripts/lib/offline";

const ROOT = path.resolve(__dirname, "../..");
const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-checkout-"));
const home = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-home-"));

/** A checkout: the repository's files linked into a fresh folder, so each run writes its own .offline/ and cdktf.out/. */
beforeAll(() => {
  for (const entry of fs.readdirSync(ROOT)) if (![".offline", "cdktf.out", ".git"].includes(entry)) fs.symlinkSync(path.join(ROOT, entry), path.join(checkout, entry));
});
afterAll(() => {
  fs.rmSync(checkout, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

/** The environment without any AWS credential source. */
function noCredentials(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !k.startsWith("TF_") && k !== "SHIPKIT_OFFLINE") env[k] = v;
  return { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: path.join(home, "none"), AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none"), CHECKPOINT_DISABLE: "1", PR_NUMBER: "42", ...extra };
}

test("an offline plan, then the online plan path in the same checkout: the online one stops at missing credentials, not at the backend", () => {
  const offline = spawnSync(tsx, ["scripts/plan.ts", "pr-42"], { cwd: checkout, encoding: "utf8", env: noCredentials({ SHIPKIT_OFFLINE: "1" }), timeout: 170_000 });
  expect(offline.stderr).not.toMatch(/Error/);
  expect(offline.status).toBe(0);
  expect(offline.stdout).toMatch(/== pr-42 {2}\[tier: ephemeral\] {2}plan ok in [\d.]+ s {2}\(against an empty state \(offline\)\)/);
  // Progress: each step says what it does, and the stack's finish with its elapsed time.
  expect(offline.stderr).toMatch(/… pr-42: terraform init\n/);
  expect(offline.stderr).toMatch(/… pr-42: planned in \d+ s\n/);
  expect(fs.existsSync(path.join(checkout, ".offline", "cdktf.out", "stacks", "pr-42", ".terraform"))).toBe(true);

  // A folder an older kit initialised offline (local backend under .offline/): forgotten, never migrated.
  const stale = path.join(checkout, "cdktf.out", "stacks", "pr-42", ".terraform");
  fs.mkdirSync(stale, { recursive: true });
  fs.writeFileSync(path.join(stale, "terraform.tfstate"), JSON.stringify({ version: 3, backend: { type: "local", config: { path: path.join(checkout, ".offline", "state", "pr-42.tfstate") }, hash: 1 } }));

  // The online run: the provider mirror config keeps provider installation off the network too.
  const cli = writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-cli-")));
  const online = spawnSync(tsx, ["scripts/plan.ts", "pr-42"], { cwd: checkout, encoding: "utf8", env: noCredentials({ TF_CLI_CONFIG_FILE: cli }), timeout: 120_000 });
  const out = online.stdout + online.stderr;
  expect(online.status).toBe(1);
  expect(out).not.toMatch(/Backend configuration changed|migrate-state|Backend initialization required/);
  expect(out).toMatch(/No valid credential sources found/);
  expect(online.stderr).toMatch(/forgot a local \(offline\) backend left in .*pr-42\/\.terraform by an older run; initialising the S3 backend afresh, nothing migrated/);
  expect(fs.existsSync(path.join(checkout, "cdktf.out", "stacks", "pr-42", "cdk.tf.json"))).toBe(true);
  const synthesized = JSON.parse(fs.readFileSync(path.join(checkout, "cdktf.out", "stacks", "pr-42", "cdk.tf.json"), "utf8")) as { terraform: { backend: Record<string, unknown> } };
  expect(Object.keys(synthesized.terraform.backend)).toEqual(["s3"]);
});

test("offline synth through bare main.ts into cdktf.out is refused before any output, naming the fix", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-bare-"));
  const r = spawnSync(tsx, [path.join(ROOT, "main.ts")], { cwd: dir, encoding: "utf8", env: noCredentials({ SHIPKIT_OFFLINE: "1" }) });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/SHIPKIT_OFFLINE=1: offline synth must not write into cdktf\.out.*npm run plan:offline/);
  expect(fs.existsSync(path.join(dir, "cdktf.out"))).toBe(false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("usage errors exit 2 before any synth, naming the stack or flag", () => {
  const bad = spawnSync(tsx, ["scripts/plan.ts", "qa"], { cwd: checkout, encoding: "utf8", env: noCredentials({ SHIPKIT_OFFLINE: "1" }) });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/"qa" is not a stack; stacks: .*staging/);
  const flag = spawnSync(tsx, ["scripts/plan-offline.ts", "--bases", "main"], { cwd: checkout, encoding: "utf8", env: noCredentials({}) });
  expect(flag.status).toBe(2);
  expect(flag.stderr).toMatch(/unknown flag --bases/);
});

test("SHIPKIT_ROLE=plan for prod is refused before any synth: prod has no read-only plan role (its state holds prod's secret)", () => {
  const r = spawnSync(tsx, ["scripts/plan.ts", "prod"], { cwd: checkout, encoding: "utf8", env: noCredentials({ SHIPKIT_ROLE: "plan" }) });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/prod: SHIPKIT_ROLE=plan, but prod has no read-only plan role .*npm run plan:offline -- --base <ref> --stack prod/);
  expect(r.stderr).not.toMatch(/synthesizing/);
});

test("a long step is never silent: a heartbeat line while it runs, then the finish with the elapsed time", async () => {
  const { planStack } = await import("../../scripts/lib/offline");
  // A stand-in terraform whose init takes 1.5 s and then fails: the heartbeat (every 0.2 s here) must fire meanwhile.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-fake-tf-"));
  fs.writeFileSync(path.join(bin, "terraform"), "#!/bin/sh\nsleep 1.5\necho 'init failed on purpose' >&2\nexit 1\n", { mode: 0o755 });
  const lines: string[] = [];
  const s = await planStack("demo", bin, { ...process.env, PATH: `${bin}:${process.env.PATH}` }, { progress: (l) => lines.push(l), heartbeatSeconds: 0.2 });
  fs.rmSync(bin, { recursive: true, force: true });
  expect(s.ok).toBe(false);
  expect(s.error).toContain("init failed on purpose");
  expect(lines[0]).toBe("demo: terraform init");
  expect(lines.filter((l) => /^demo: still initialising \(\d+ s\)$/.test(l)).length).toBeGreaterThanOrEqual(1);
  expect(lines.at(-1)).toMatch(/^demo: FAILED in \d+ s$/);
});

test("counts from the plan stream (tests' and plan:offline's fast paths) equal the full review's on the same real plan", async () => {
  const { planStack, terraformEnv } = await import("../../scripts/lib/offline");
  const dir = path.join(checkout, ".offline", "cdktf.out", "stacks", "pr-42");
  expect(fs.existsSync(dir)).toBe(true); // planned offline by the first test
  const env = terraformEnv(path.join(checkout, ".offline", "offline.tfrc"), process.env);
  const full = await planStack("pr-42", dir, env, { init: "skip" });
  const counts = await planStack("pr-42", dir, env, { init: "skip", review: "counts" });
  expect(full.error ?? "").toBe("");
  expect(counts.counts).toEqual(full.counts);
  expect(counts.toAdd).toEqual(full.toAdd);
  expect(counts.review!.outputChanges).toBe(full.review!.outputChanges);
  expect(full.counts.add).toBeGreaterThan(20);
  // plan:offline's path: creates only against an empty state, reviewed from the stream, the same result.
  const fresh = await planStack("pr-42", dir, env, { init: "skip", review: "empty-state" });
  expect(fresh.counts).toEqual(full.counts);
  expect(fresh.review!.risks).toEqual(full.review!.risks);
  expect(fresh.review!.fromEmptyState).toBe(true);
  expect(full.review!.fromEmptyState).toBe(true);
});

describe("online plans at the running image tag (terraform output on a real local state)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-tag-"));
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_VAR_image_tag: "" };
  const state = (outputs: Record<string, unknown>) => fs.writeFileSync(path.join(dir, "terraform.tfstate"), JSON.stringify({ version: 4, terraform_version: "1.11.4", serial: 1, lineage: "t", outputs, resources: [] }));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("the deployed tag when the state has it; a stand-in the stack accepts when it was never deployed; a failure when the state cannot be read", async () => {
    const { runningImageTag } = await import("../../scripts/lib/plan-cli");
    const said: string[] = [];
    state({ services_image_tag: { value: "0123456789abcdef", type: "string" } });
    expect((await runningImageTag("staging", dir, env, (l) => said.push(l))).TF_VAR_image_tag).toBe("0123456789abcdef");
    state({});
    expect((await runningImageTag("pr-7", dir, env, (l) => said.push(l))).TF_VAR_image_tag).toBe("pr-7-0000000offline");
    expect(said.join("\n")).toMatch(/pr-7 runs no image yet .* stand-in tag pr-7-0000000offline/);
    fs.writeFileSync(path.join(dir, "terraform.tfstate"), "{ not a state");
    await expect(runningImageTag("staging", dir, env, () => undefined)).rejects.toThrow(/reading the running image tag .* failed/);
  });
});

