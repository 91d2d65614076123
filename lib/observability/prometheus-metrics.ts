import { Construct } from "constructs";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { PrometheusWorkspace } from "@cdktf/provider-aws/lib/prometheus-workspace";
import type { Connection } from "../compute/connection";
import type { SidecarContainer } from "../compute/fargate-task";
import type { Names } from "../core/naming";
import { collectorConfig } from "./metrics-collector";

/** The ADOT collector image, pinned (update deliberately: the config schema is checked against it). */
export const ADOT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0";

/** Where scraped metrics go: an Amazon Managed Service for Prometheus workspace. */
export interface MetricsTarget {
  /** Workspace ARN (`aps:RemoteWrite` is granted on it). */
  readonly workspaceArn: string;
  /** The workspace's remote write URL. */
  readonly remoteWriteUrl: string;
  /** Region of the workspace. */
  readonly region: string;
}

export interface MetricsWorkspaceProps {
  /** Naming helper of the stack: the workspace alias is `<app>-<env>-metrics`. */
  readonly names: Names;
  /** Region of the stack (the remote write URL's). */
  readonly region: string;
}

/**
 * An Amazon Managed Service for Prometheus workspace for one environment: services that opt in
 * (`metrics` in their declaration) get a collector sidecar that remote-writes here.
 *
 * @example const metrics = new MetricsWorkspace(this, "metrics", { names, region: "us-east-1" });
 * Cost: $0.90 per 10 million samples ingested (first tier) plus storage at $0.03/GB-month; a service
 * with 1,000 series scraped every 30 s ingests ~86 M samples a month, ≈ $8. Tested via: test/observability/prometheus-metrics.test.ts
 */
export class MetricsWorkspace extends Construct {
  readonly target: MetricsTarget;
  readonly resources: { readonly workspace: PrometheusWorkspace };

  constructor(scope: Construct, id: string, props: MetricsWorkspaceProps) {
    super(scope, id);
    const workspace = new PrometheusWorkspace(this, "workspace", { alias: props.names.of("metrics") });
    this.target = { workspaceArn: workspace.arn, remoteWriteUrl: `${workspace.prometheusEndpoint}api/v1/remote_write`, region: props.region };
    this.resources = { workspace };
  }
}

/** What one service exposes: its Prometheus endpoint inside the task. */
export interface ScrapeSettings {
  /** Job name (the service). */
  readonly job: string;
  /** Port of the metrics endpoint. */
  readonly port: number;
  /** Path of the metrics endpoint. @default "/metrics" */
  readonly path?: string;
  /** Collector image. @default ADOT_COLLECTOR_IMAGE */
  readonly image?: string;
}

/**
 * The collector sidecar for a service and the grant it needs: the sidecar scrapes
 * `localhost:<port><path>` and remote-writes to `target` with SigV4 (config generated and validated by
 * metrics-collector.ts, passed as `AOT_CONFIG_CONTENT`); the connection grants the task role
 * `aps:RemoteWrite` on the workspace only.
 */
export function prometheusScraping(target: MetricsTarget, s: ScrapeSettings): { readonly sidecar: SidecarContainer; readonly connection: Connection } {
  const config = collectorConfig({ job: s.job, port: s.port, path: s.path, remoteWriteUrl: target.remoteWriteUrl, region: target.region });
  return {
    sidecar: { name: "metrics-collector", image: s.image ?? ADOT_COLLECTOR_IMAGE, environment: { AOT_CONFIG_CONTENT: config }, memoryReservationMiB: 64 },
    connection: {
      bind: (scope, workload) => {
        const doc = new DataAwsIamPolicyDocument(scope, "metrics-remote-write", { statement: [{ sid: "RemoteWriteMetrics", actions: ["aps:RemoteWrite"], resources: [target.workspaceArn] }] });
        new IamRolePolicy(scope, "metrics-remote-write-policy", { role: workload.taskRole.id, policy: doc.json });
      },
    },
  };
}
