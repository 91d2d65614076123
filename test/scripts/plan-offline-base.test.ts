/**
 * `npm run plan:offline -- --base <ref>` end to end, in a fresh clone of this repository (so the
 * working tree is exactly the commit): git export of the base, its synth with its own code, the
 * converged base state, the head planned against it. An unchanged tree says "no changes"; the
 * second run takes the base state from its cache.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
const clone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-clone-")), "repo");

beforeAll(() => {
  const r = spawnSync("git", ["clone", "-q", "--shared", ROOT, clone], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git clone failed: ${r.stderr}`);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
});
afterAll(() => fs.rmSync(path.dirname(clone), { recursive: true, force: true }));

const env = (): NodeJS.ProcessEnv => {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !k.startsWith("TF_") && !k.startsWith("SHIPKIT_OFFLINE")) out[k] = v;
  return { ...out, AWS_EC2_METADATA_DISABLED: "true", CHECKPOINT_DISABLE: "1", PR_NUMBER: "42" };
};
const planAgainstHead = () => spawnSync(tsx, ["scripts/plan-offline.ts", "--base", "HEAD", "--stack", "pr-42"], { cwd: clone, encoding: "utf8", env: env(), timeout: 280_000 });

test("an unchanged tree plans to no changes against its own base, and the second run reuses the converged base state", () => {
  const first = planAgainstHead();
  expect(first.stderr).not.toMatch(/Error:/);
  expect(first.status).toBe(0);
  expect(first.stdout).toMatch(/== pr-42 {2}\[tier: ephemeral\] {2}plan ok in [\d.]+ s {2}\(against base HEAD \([0-9a-f]{12}\)\)\n {3}no changes\n/);
  expect(first.stdout).toContain("no changes against HEAD: every AWS stack plans to what the base already has");
  expect(first.stderr).toMatch(/… synthesizing the base HEAD \([0-9a-f]{12}\) with its own code/);
  expect(first.stderr).toMatch(/… pr-42: base state ready \(\d passes\)/);

  const second = planAgainstHead();
  expect(second.status).toBe(0);
  expect(second.stderr).toMatch(/… pr-42: base state from cache/);
  expect(second.stdout).toContain("no changes against HEAD");
});
