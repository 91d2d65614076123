/**
 * The names the preview scripts rely on, checked against a real synth of pr-42: the outputs they
 * read with `terraform output -json`, and the task families, containers, log groups and stream
 * prefixes they compute for db-init, db-drop and migrate.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import { TASK_OUTPUTS, previewDbTask } from "../../scripts/lib/preview-down";
import { PREVIEW_OUTPUTS } from "./preview-helpers";

interface TaskDefinition {
  family: string;
  container_definitions: string;
}

let stack: { output: Record<string, unknown>; resource: { aws_ecs_task_definition: Record<string, TaskDefinition>; aws_cloudwatch_log_group: Record<string, { name: string }> } };
let outdir: string;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-contract-"));
  buildApp({ prNumber: 42, deployment: { mode: "online" }, outdir }).app.synth();
  stack = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "pr-42", "cdk.tf.json"), "utf8"));
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const definition = (family: string) => {
  const td = Object.values(stack.resource.aws_ecs_task_definition).find((t) => t.family === family);
  if (!td) throw new Error(`no task definition ${family} in pr-42; families: ${Object.values(stack.resource.aws_ecs_task_definition).map((t) => t.family).join(", ")}`);
  return JSON.parse(td.container_definitions) as { name: string; essential?: boolean; logConfiguration?: { options: Record<string, string> } }[];
};

test("pr-42 publishes every output the preview scripts read", () => {
  for (const name of [...TASK_OUTPUTS, "services_image_tag", "migration_task_family"]) expect(Object.keys(stack.output)).toContain(name);
});

test.each(["db-init", "db-drop"] as const)("%s: family, container, log group and stream prefix as the scripts compute them", (action) => {
  const task = previewDbTask(42, action, PREVIEW_OUTPUTS)!;
  const containers = definition(task.family);
  const container = containers.find((c) => c.name === task.container);
  expect(container?.essential).toBe(true);
  expect(container?.logConfiguration?.options["awslogs-stream-prefix"]).toBe(task.streamPrefix);
  expect(Object.values(stack.resource.aws_cloudwatch_log_group).map((g) => g.name)).toContain(task.logGroup);
});

test("migrate: container `migrate`, stream prefix `migrate`, log group /shipkit/pr-42/migrate", () => {
  // Its container definitions are a Terraform expression (jsonencode of tokens), not JSON: read the text.
  const td = Object.values(stack.resource.aws_ecs_task_definition).find((t) => t.family === "shipkit-pr-42-migrate");
  expect(td?.container_definitions).toMatch(/"name"\W+"migrate"/);
  expect(td?.container_definitions).toMatch(/"awslogs-stream-prefix"\W+"migrate"/);
  expect(Object.values(stack.resource.aws_cloudwatch_log_group).map((g) => g.name)).toContain("/shipkit/pr-42/migrate");
});
