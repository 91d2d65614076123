/**
 * The real wiring of the scripts that run one-off ECS tasks (preview:up, preview:down, migrate):
 * this process's environment and folder, the console, child processes, and an ECS client for
 * `region`. Their tests pass fakes instead.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { ecsTaskApi, type TaskScriptDeps } from "./preview-tasks";
import { consoleLog, sdkCredentialsCheck, spawnRunner } from "./preview-tools";

export function taskScriptDeps(region: string): TaskScriptDeps {
  const ecs = new ECSClient({ region });
  return { env: process.env, root: process.cwd(), log: consoleLog, run: spawnRunner, tasks: ecsTaskApi(ecs), checkCredentials: sdkCredentialsCheck(ecs) };
}
