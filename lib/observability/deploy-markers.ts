import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { ConfigError } from "../core/errors";
import type { Lifecycle } from "../core/lifecycle";
import type { Names } from "../core/naming";
import { alertEventTarget, type AlertTarget } from "./alarm-topic";

/** `detail-type` of ECS service deployment events. */
export const DEPLOYMENT_DETAIL_TYPE = "ECS Deployment State Change";

/** `detail.eventName` of a deployment the circuit breaker (or an alarm) failed. */
export const DEPLOYMENT_FAILED = "SERVICE_DEPLOYMENT_FAILED";

/**
 * ECS has no event type of its own for a rollback: it sends `SERVICE_DEPLOYMENT_IN_PROGRESS` again,
 * and only `detail.reason` tells them apart ("ECS deployment circuit breaker: rolling back to
 * deploymentId ecs-svc/…"). The failure rule matches that text with this wildcard.
 */
export const ROLLBACK_REASON_WILDCARD = "*rolling back*";

/** Services that write EventBridge events into a log group (the log group's resource policy admits them). */
export const EVENT_LOG_WRITERS = ["events.amazonaws.com", "delivery.logs.amazonaws.com"] as const;

/** A literal ECS cluster ARN. */
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;

/**
 * `resources` prefix of the deployment events of one cluster's services. The events name the
 * service (`arn:aws:ecs:<region>:<account>:service/<cluster>/<service>`, the long ARN format), not
 * the cluster, so the cluster ARN's `:cluster/` becomes `:service/` (in Terraform when the ARN is a
 * token). The trailing `/` keeps cluster `app` from matching `app-2`.
 */
export function clusterServicePrefix(clusterArn: string): string {
  return Token.isUnresolved(clusterArn) ? `${Fn.replace(clusterArn, ":cluster/", ":service/")}/` : `${clusterArn.replace(":cluster/", ":service/")}/`;
}

/**
 * EventBridge pattern for the deployment events of one cluster: `all` of them (the markers), or
 * the `failures`: SERVICE_DEPLOYMENT_FAILED, and a rollback starting.
 */
export function deploymentEventPattern(clusterArn: string, which: "all" | "failures", servicePrefix = ""): Record<string, unknown> {
  const all = { source: ["aws.ecs"], "detail-type": [DEPLOYMENT_DETAIL_TYPE], resources: [{ prefix: clusterServicePrefix(clusterArn) }] };
  if (which === "all") return all;
  return {
    ...all,
    // Only this environment's services (`<app>-<env>-…`): previews run in staging's cluster and must not page it.
    resources: [{ prefix: `${clusterServicePrefix(clusterArn)}${servicePrefix}` }],
    detail: {
      $or: [{ eventName: [DEPLOYMENT_FAILED] }, { eventName: ["SERVICE_DEPLOYMENT_IN_PROGRESS"], reason: [{ wildcard: ROLLBACK_REASON_WILDCARD }] }],
    },
  };
}

export interface DeployMarkersProps {
  /** Naming helper of the stack: rules `<app>-<env>-deploys`/`-deploy-failed`, log group `/<app>/<env>/deploys`. */
  readonly names: Names;
  /** Safety tier of the environment: `logRetentionDays` is the markers' retention. */
  readonly lifecycle: Lifecycle;
  /** ARN of the environment's ECS cluster (EcsCluster `clusterArn`): only its services' deployments are recorded. */
  readonly clusterArn: string;
  /**
   * Topic (and its dead-letter queue) a failed or rolled-back deployment is sent to (AlarmTopic);
   * `off` records markers only (previews: their noise would page staging).
   */
  readonly alerts: AlertTarget | "off";
}

/**
 * Deploy markers for the environment: every ECS "ECS Deployment State Change" event of the
 * cluster's services (in progress, completed, failed, rollbacks) is written to the log group
 * `/<app>/<env>/deploys`, so a dashboard log widget (EnvironmentDashboard) and Logs Insights show
 * what was deployed when, next to the graphs. A second rule sends failed deployments and rollbacks
 * to the alert topic with a readable message, with ALERT_RETRY_POLICY and the topic's dead-letter
 * queue.
 *
 * EventBridge writes to CloudWatch Logs under the log group's resource-based policy, not an IAM
 * role (Amazon EventBridge User Guide, "Using resource-based policies for Amazon EventBridge",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions:
 * "For Lambda, Amazon SNS, Amazon SQS, and Amazon CloudWatch Logs resources, EventBridge uses
 * resource-based policies"; the target sets no `RoleArn`). This construct adds a CloudWatch Logs
 * resource policy letting events.amazonaws.com and delivery.logs.amazonaws.com create streams and
 * put events in this group only. A region holds at most 10 such policies per account: each
 * environment (previews too) uses one.
 *
 * Rollbacks have no event type of their own (Amazon ECS Developer Guide, "Amazon ECS service
 * deployment state change events": SERVICE_DEPLOYMENT_IN_PROGRESS "is sent for both initial
 * deployments and rollback deployments", told apart by `reason`), so the failure rule matches the
 * reason text `*rolling back*`.
 *
 * @example new DeployMarkers(this, "deploy-markers", { names, lifecycle, clusterArn: cluster.clusterArn, alerts: { topicArn: alarms.arn, deadLetterArn: alarms.deadLetterArn } });
 * Cost: EventBridge rules on AWS service events are free; log ingestion of a few KB per deployment.
 * Tested via: test/observability/deploy-markers.test.ts
 */
export class DeployMarkers extends Construct {
  /** Log group holding every deployment event (`/<app>/<env>/deploys`): pass it to EnvironmentDashboard. */
  readonly logGroupName: string;
  /** The underlying resources, for escape hatches and tests. */
  readonly resources: {
    readonly logGroup: CloudwatchLogGroup;
    readonly logPolicy: CloudwatchLogResourcePolicy;
    readonly markerRule: CloudwatchEventRule;
    readonly markerTarget: CloudwatchEventTarget;
    readonly failureRule?: CloudwatchEventRule;
    readonly failureTarget?: CloudwatchEventTarget;
  };

  constructor(scope: Construct, id: string, props: DeployMarkersProps) {
    super(scope, id);
    const { names, lifecycle, clusterArn, alerts } = props;
    if (!Token.isUnresolved(clusterArn) && !CLUSTER_ARN.test(clusterArn))
      throw new ConfigError(this, "clusterArn", `${JSON.stringify(clusterArn)} is not an ECS cluster ARN; pass EcsCluster clusterArn (arn:aws:ecs:<region>:<account>:cluster/<name>)`);

    const logGroup = new CloudwatchLogGroup(this, "logs", { name: names.logGroup("deploys"), retentionInDays: lifecycle.logRetentionDays });
    const writers = new DataAwsIamPolicyDocument(this, "log-writers", {
      statement: [
        {
          sid: "EventBridgeWritesDeployMarkers",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${logGroup.arn}:*`],
          principals: [{ type: "Service", identifiers: [...EVENT_LOG_WRITERS] }],
        },
      ],
    });
    const logPolicy = new CloudwatchLogResourcePolicy(this, "log-policy", { policyName: names.of("deploy-markers"), policyDocument: writers.json });

    const markerRule = new CloudwatchEventRule(this, "rule", {
      name: names.of("deploys", { max: 64 }),
      description: `Every ECS deployment state change of ${names.prefix}'s services, into ${names.logGroup("deploys")}`,
      eventPattern: JSON.stringify(deploymentEventPattern(clusterArn, "all")),
    });
    // No roleArn: EventBridge writes to CloudWatch Logs under the group's resource policy.
    const markerTarget = new CloudwatchEventTarget(this, "to-logs", { rule: markerRule.name, arn: logGroup.arn, dependsOn: [logPolicy] });

    let failureRule: CloudwatchEventRule | undefined;
    let failureTarget: CloudwatchEventTarget | undefined;
    if (alerts !== "off") {
      failureRule = new CloudwatchEventRule(this, "failure-rule", {
        name: names.of("deploy-failed", { max: 64 }),
        description: `An ECS deployment of ${names.prefix} failed or is rolling back`,
        eventPattern: JSON.stringify(deploymentEventPattern(clusterArn, "failures", `${names.prefix}-`)),
      });
      failureTarget = alertEventTarget(this, "failure-to-topic", failureRule, alerts, {
        inputPaths: { service: "$.resources[0]", eventName: "$.detail.eventName", deployment: "$.detail.deploymentId", reason: "$.detail.reason" },
        inputTemplate: `"${names.envName} deployment <deployment> of <service>: <eventName> (<reason>). Markers: ${names.logGroup("deploys")}. Runbook: docs/runbook.md#roll-back"`,
      });
    }
    this.logGroupName = logGroup.name;
    this.resources = { logGroup, logPolicy, markerRule, markerTarget, failureRule, failureTarget };
  }
}
