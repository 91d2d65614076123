import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { DeployMarkers, EVENT_LOG_WRITERS, deploymentEventPattern, type DeployMarkersProps } from "../../lib/observability/deploy-markers";
import { ALERT_RETRY_POLICY } from "../../lib/observability/alarm-topic";
import { lifecycleOf, type SafetyTier } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { ruleContext } from "../../lib/policy/rule";
import { alertTargetRetryDlq } from "../../lib/policy/rules/alert-target-retry-dlq";
import { resources, type SynthJson } from "../helpers";

const CLUSTER = "arn:aws:ecs:eu-west-1:111111111111:cluster/shipkit-prod";
const alerts = { topicArn: "arn:aws:sns:eu-west-1:111111111111:shipkit-prod-alarms", deadLetterArn: "arn:aws:sqs:eu-west-1:111111111111:shipkit-prod-undelivered-alerts" };
const props = (patch: Partial<DeployMarkersProps> = {}): DeployMarkersProps => ({ names: new Names("shipkit", "prod"), lifecycle: lifecycleOf("protected"), clusterArn: CLUSTER, alerts, ...patch });
const synth = (patch: Partial<DeployMarkersProps> = {}): SynthJson => JSON.parse(Testing.synthScope((s) => new DeployMarkers(s, "deploy-markers", props(patch)))) as SynthJson;

const rule = (json: SynthJson, name: string) => resources(json, "aws_cloudwatch_event_rule").find((r) => r.name === name)!;
const pattern = (json: SynthJson, name: string) => JSON.parse(rule(json, name).event_pattern as string) as Record<string, unknown>;

describe("DeployMarkers", () => {
  const json = synth();

  test("every deployment event of the cluster's services goes to the markers log group", () => {
    expect(pattern(json, "shipkit-prod-deploys")).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Deployment State Change"],
      resources: [{ prefix: "arn:aws:ecs:eu-west-1:111111111111:service/shipkit-prod/" }],
    });
    const toLogs = resources(json, "aws_cloudwatch_event_target").find((t) => String(t.rule).includes("deploy-markers_rule_"))!;
    expect(toLogs.arn).toMatch(/^\$\{aws_cloudwatch_log_group\.deploy-markers_logs_\w+\.arn\}$/);
    expect(toLogs).not.toHaveProperty("role_arn"); // CloudWatch Logs targets use the resource policy, never a role
    expect(toLogs.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_log_resource_policy\.deploy-markers_log-policy_\w+$/)]);
  });

  test.each([
    ["protected", 90],
    ["standard", 30],
    ["ephemeral", 7],
  ] as const)("the %s tier keeps markers %i days", (tier: SafetyTier, days) => {
    expect(resources(synth({ lifecycle: lifecycleOf(tier) }), "aws_cloudwatch_log_group")).toEqual([expect.objectContaining({ name: "/shipkit/prod/deploys", retention_in_days: days })]);
  });

  test("a resource policy lets EventBridge create streams and put events in that group only", () => {
    const [doc] = Object.values(json.data!.aws_iam_policy_document!) as { statement: { actions: string[]; resources: string[]; principals: { type: string; identifiers: string[] }[] }[] }[];
    expect(doc!.statement).toEqual([
      expect.objectContaining({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.deploy-markers_logs_\w+\.arn\}:\*$/)],
        principals: [{ type: "Service", identifiers: [...EVENT_LOG_WRITERS] }],
      }),
    ]);
    expect(resources(json, "aws_cloudwatch_log_resource_policy")).toEqual([
      expect.objectContaining({ policy_name: "shipkit-prod-deploy-markers", policy_document: expect.stringMatching(/data\.aws_iam_policy_document\.deploy-markers_log-writers_\w+\.json/) }),
    ]);
  });

  test("failed deployments and rollbacks page through the alert topic, with retries and the dead-letter queue", () => {
    expect(pattern(json, "shipkit-prod-deploy-failed")).toMatchObject({
      "detail-type": ["ECS Deployment State Change"],
      // Only this environment's services: previews in the same cluster (shipkit-pr-<n>-…) do not page it.
      resources: [{ prefix: "arn:aws:ecs:eu-west-1:111111111111:service/shipkit-prod/shipkit-prod-" }],
      detail: { $or: [{ eventName: ["SERVICE_DEPLOYMENT_FAILED"] }, { eventName: ["SERVICE_DEPLOYMENT_IN_PROGRESS"], reason: [{ wildcard: "*rolling back*" }] }] },
    });
    const toTopic = resources(json, "aws_cloudwatch_event_target").find((t) => t.arn === alerts.topicArn)!;
    expect(toTopic).toMatchObject({
      retry_policy: { maximum_event_age_in_seconds: ALERT_RETRY_POLICY.maximumEventAgeInSeconds, maximum_retry_attempts: ALERT_RETRY_POLICY.maximumRetryAttempts },
      dead_letter_config: { arn: alerts.deadLetterArn },
    });
    expect((toTopic.input_transformer as { input_template: string }).input_template).toMatch(/^"prod deployment <deployment> of <service>: <eventName> \(<reason>\)\. Markers: \/shipkit\/prod\/deploys\./);
  });

  test("the alert-target-retry-dlq guardrail finds nothing", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new DeployMarkers(stack, "deploy-markers", props());
    expect(alertTargetRetryDlq.check(ruleContext(stack, "protected"))).toEqual([]);
  });

  test("alerts off: markers only, no failure rule or topic target", () => {
    const off = synth({ alerts: "off" });
    expect(resources(off, "aws_cloudwatch_event_rule").map((r) => r.name)).toEqual(["shipkit-prod-deploys"]);
    expect(resources(off, "aws_cloudwatch_event_target")).toHaveLength(1);
  });

  test("a cluster ARN token is turned into the services' prefix by Terraform", () => {
    const out = JSON.parse(
      Testing.synthScope((s) => {
        const cluster = new EcsCluster(s, "cluster", { name: "shipkit-prod" });
        new DeployMarkers(s, "deploy-markers", props({ clusterArn: cluster.arn }));
      }),
    ) as SynthJson;
    // The interpolation's quotes are HCL inside ${...}: Terraform renders it first, then the text is JSON.
    const raw = rule(out, "shipkit-prod-deploys").event_pattern as string;
    expect(raw).toContain('"resources":[{"prefix":"${replace(aws_ecs_cluster.cluster.arn, ":cluster/", ":service/")}/"}]');
    const rendered = raw.replace(/\$\{replace\(aws_ecs_cluster\.cluster\.arn, ":cluster\/", ":service\/"\)\}/g, "arn:aws:ecs:eu-west-1:111111111111:service/shipkit-prod");
    expect(JSON.parse(rendered)).toMatchObject({ resources: [{ prefix: "arn:aws:ecs:eu-west-1:111111111111:service/shipkit-prod/" }] });
  });

  test("the pattern's prefix ends in '/': cluster app does not match app-2", () => {
    const [prefix] = (deploymentEventPattern("arn:aws:ecs:eu-west-1:111111111111:cluster/app", "all").resources as { prefix: string }[]).map((r) => r.prefix);
    expect("arn:aws:ecs:eu-west-1:111111111111:service/app/web".startsWith(prefix!)).toBe(true);
    expect("arn:aws:ecs:eu-west-1:111111111111:service/app-2/web".startsWith(prefix!)).toBe(false);
  });

  test("rejects a clusterArn that is not a cluster ARN", () => {
    expect(() => synth({ clusterArn: "shipkit-prod" })).toThrow(/deploy-markers: "clusterArn" "shipkit-prod" is not an ECS cluster ARN/);
  });
});
