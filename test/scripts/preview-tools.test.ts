/**
 * readStackOutputs with the real runner and real terraform, on a stack with no provider (nothing
 * to download) and local state: the list output comes back as a list (`-raw` would refuse it), an
 * empty state as no outputs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listOutput, readStackOutputs, spawnRunner, stringOutput, toolEnv } from "../../scripts/lib/preview-tools";

let dir: string;
const env = () => toolEnv({ PATH: process.env.PATH, HOME: process.env.HOME, TF_CLI_CONFIG_FILE: process.env.TF_CLI_CONFIG_FILE, SHIPKIT_OPEN_PREVIEWS: "4" }, 42, { TF_IN_AUTOMATION: "1" });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-outputs-"));
  fs.writeFileSync(
    path.join(dir, "main.tf.json"),
    JSON.stringify({
      terraform: { backend: { local: { path: "terraform.tfstate" } } },
      output: { ecs_cluster_name: { value: "shipkit-staging-cluster" }, private_subnet_ids: { value: ["subnet-aaa", "subnet-bbb"] } },
    }),
  );
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("toolEnv: checkpoint off, the PR, no preview cap, extras on top", () => {
  const e = env();
  expect(e).toMatchObject({ CHECKPOINT_DISABLE: "1", PR_NUMBER: "42", TF_IN_AUTOMATION: "1" });
  expect(e.SHIPKIT_OPEN_PREVIEWS).toBeUndefined();
});

test("no state yet: init works, no outputs", async () => {
  const read = await readStackOutputs(spawnRunner, dir, env());
  expect(read).toEqual({ ok: true, outputs: {} });
});

test("after an apply: string and list outputs as values", async () => {
  const applied = await spawnRunner("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: dir, env: env(), capture: true });
  expect(applied.code).toBe(0);
  const read = await readStackOutputs(spawnRunner, dir, env());
  if (!read.ok) throw new Error(read.message);
  expect(stringOutput(read.outputs, "ecs_cluster_name")).toBe("shipkit-staging-cluster");
  expect(listOutput(read.outputs, "private_subnet_ids")).toEqual(["subnet-aaa", "subnet-bbb"]);
  expect(listOutput(read.outputs, "ecs_cluster_name")).toBeUndefined();
});

test("a folder that is no stack: init fails, reported, not thrown", async () => {
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), "preview-outputs-broken-"));
  fs.writeFileSync(path.join(broken, "main.tf.json"), "{ not json");
  try {
    const read = await readStackOutputs(spawnRunner, broken, env());
    expect(read).toMatchObject({ ok: false, message: expect.stringMatching(/terraform init in .* exited 1/) });
  } finally {
    fs.rmSync(broken, { recursive: true, force: true });
  }
});

test("a command that does not exist: exit 127, not a crash", async () => {
  expect(await spawnRunner("shipkit-no-such-command", [], { env: env() })).toMatchObject({ code: 127 });
});
