import { Testing } from "cdktf";
import { FargateTask } from "../../lib/compute/fargate-task";
import { lifecycleOf } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { collectorConfigProblems } from "../../lib/observability/metrics-collector";
import { ADOT_COLLECTOR_IMAGE, MetricsWorkspace, prometheusScraping } from "../../lib/observability/prometheus-metrics";
import { resources, type SynthJson } from "../helpers";

const names = new Names("shipkit", "prod");

function synthTask(): SynthJson {
  return JSON.parse(
    Testing.synthScope((s) => {
      const ws = new MetricsWorkspace(s, "metrics", { names, region: "us-east-1" });
      const metrics = prometheusScraping(ws.target, { job: "backend", port: 9464 });
      new FargateTask(s, "t", {
        lifecycle: lifecycleOf("protected"), region: "us-east-1", names, name: "backend", image: { repositoryUrl: "r", repositoryArn: "arn:r" }, imageTag: "abc", cpu: 512, memoryMiB: 1024, port: 8080,
        securityGroupId: "sg-app", sidecars: [metrics.sidecar], connections: [metrics.connection],
      });
    }),
  ) as SynthJson;
}

describe("Prometheus metrics: workspace and collector sidecar", () => {
  const json = synthTask();
  test("a workspace per environment", () => {
    expect(resources(json, "aws_prometheus_workspace")).toEqual([expect.objectContaining({ alias: "shipkit-prod-metrics" })]);
  });

  test("the task runs the app and a non-essential collector sidecar with the generated config", () => {
    const defs = String(resources(json, "aws_ecs_task_definition")[0]!.container_definitions);
    expect(defs).toContain(`"name" = "metrics-collector", "image" = "${ADOT_COLLECTOR_IMAGE}", "essential" = false`);
    expect(defs).toMatch(/"name" = "AOT_CONFIG_CONTENT", "value" = ".*localhost:9464.*\$\{aws_prometheus_workspace\.metrics_workspace_\w+\.prometheus_endpoint\}api\/v1\/remote_write/s);
    expect(defs).toContain('"awslogs-stream-prefix" = "backend-metrics-collector"');
  });

  test("the generated config is valid for the collector", () => {
    const { sidecar } = prometheusScraping({ workspaceArn: "arn:aws:aps:us-east-1:111111111111:workspace/ws-1", remoteWriteUrl: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", region: "us-east-1" }, { job: "web", port: 9464 });
    expect(collectorConfigProblems(sidecar.environment!.AOT_CONFIG_CONTENT!)).toEqual([]);
  });

  test("the task role may remote-write to that workspace only", () => {
    const doc = Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.includes("metrics-remote-write"))![1];
    expect(doc.statement).toEqual([expect.objectContaining({ actions: ["aps:RemoteWrite"], resources: [expect.stringMatching(/aws_prometheus_workspace\.metrics_workspace_\w+\.arn/)] })]);
  });

  test("a sidecar named like another container is refused", () => {
    expect(() =>
      Testing.synthScope((s) => new FargateTask(s, "t", { lifecycle: lifecycleOf("standard"), region: "us-east-1", names, name: "web", image: { repositoryUrl: "r", repositoryArn: "arn:r" }, imageTag: "abc", cpu: 256, memoryMiB: 512, sidecars: [{ name: "x", image: "i" }, { name: "x", image: "i" }] })),
    ).toThrow(/"sidecars\[1\]\.name" "x" is used twice in the task/);
  });
});
