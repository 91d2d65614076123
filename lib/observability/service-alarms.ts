import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Names } from "../core/naming";

/** Where a service alarm sends the reader first. */
const SERVICE_RUNBOOK = "Runbook: docs/observability.md#service-and-database-alarms";

export interface ServiceAlarmsProps {
  /** Naming helper of the stack; alarms are `<app>-<env>-<name>-<alarm>`. */
  readonly names: Names;
  /** Service name part used in alarm names, e.g. `web`. */
  readonly name: string;
  /** SNS topic every alarm notifies, on ALARM and on OK. */
  readonly alarmTopicArn: string;
  /** ECS cluster name: the `ClusterName` dimension of the Container Insights task counts. */
  readonly clusterName: string;
  /** ECS service name: the `ServiceName` dimension of the Container Insights task counts. */
  readonly serviceName: string;
  /** Load balancer + target group dimensions, for routed services. @default none (worker) */
  readonly loadBalancer?: { readonly arnSuffix: string; readonly targetGroupArnSuffix: string };
  /** 5xx share (percent of requests) that pages. @default 5 */
  readonly errorRatePercent?: number;
  /** p95 target response time (seconds) that trips the wire; set below the request timeout. */
  readonly p95Seconds: number;
}

/**
 * Symptom alarms for one service, all to the environment's topic:
 * 5xx ratio, p95 target response time (a trip-wire below the request timeout), unhealthy targets,
 * and running tasks below desired (missing data = breaching: no metrics means no tasks).
 * Tested via: test/constructs/fargate-service.test.ts
 */
export class ServiceAlarms extends Construct {
  readonly alarmNames: string[] = [];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const actions = { alarmActions: [props.alarmTopicArn], okActions: [props.alarmTopicArn] };
    const name = (what: string) => props.names.of(`${props.name}-${what}`);
    const lb = props.loadBalancer;
    if (lb) {
      const dims = { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffix };
      const elbMetric = (id: string, metricName: string) => ({ id, metric: { namespace: "AWS/ApplicationELB", metricName, dimensions: dims, period: 60, stat: "Sum" } });
      this.add(new CloudwatchMetricAlarm(this, "5xx-ratio", {
        alarmName: name("5xx-ratio"),
        alarmDescription: `More than ${props.errorRatePercent ?? 5}% of ${props.name} responses are 5xx. ${SERVICE_RUNBOOK}`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: props.errorRatePercent ?? 5,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: "notBreaching",
        metricQuery: [
          { id: "ratio", expression: "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)", label: "5xx %", returnData: true },
          elbMetric("errors", "HTTPCode_Target_5XX_Count"),
          elbMetric("requests", "RequestCount"),
        ],
        ...actions,
      }));
      this.add(new CloudwatchMetricAlarm(this, "p95-latency", {
        alarmName: name("p95-latency"),
        alarmDescription: `p95 response time of ${props.name} above ${props.p95Seconds}s (trip-wire before the request timeout). ${SERVICE_RUNBOOK}`,
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        dimensions: dims,
        extendedStatistic: "p95",
        period: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        threshold: props.p95Seconds,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        ...actions,
      }));
      this.add(new CloudwatchMetricAlarm(this, "unhealthy-targets", {
        alarmName: name("unhealthy-targets"),
        alarmDescription: `${props.name} has unhealthy targets. ${SERVICE_RUNBOOK}`,
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        dimensions: dims,
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 3,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        ...actions,
      }));
    }
    const ecsMetric = (id: string, metricName: string) => ({
      id,
      metric: { namespace: "ECS/ContainerInsights", metricName, dimensions: { ClusterName: props.clusterName, ServiceName: props.serviceName }, period: 60, stat: "Average" },
    });
    this.add(new CloudwatchMetricAlarm(this, "tasks-below-desired", {
      alarmName: name("tasks-below-desired"),
      alarmDescription: `${props.name} runs fewer tasks than desired (missing data counts as breaching). ${SERVICE_RUNBOOK}`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "breaching",
      metricQuery: [
        { id: "shortfall", expression: "desired - running", label: "tasks missing", returnData: true },
        ecsMetric("desired", "DesiredTaskCount"),
        ecsMetric("running", "RunningTaskCount"),
      ],
      ...actions,
    }));
  }

  private add(alarm: CloudwatchMetricAlarm): void {
    this.alarmNames.push(alarm.alarmName);
  }
}
