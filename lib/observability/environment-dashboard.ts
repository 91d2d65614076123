import { Construct } from "constructs";
import { Token } from "cdktf";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";
import { SUCCESS_METRIC } from "../compute/scheduled-task";
import { LOG_EVENT, LOG_FIELD } from "../../runtime/log-contract";

/** Columns of the CloudWatch dashboard grid. */
export const GRID_COLUMNS = 24;

/** Most widgets one dashboard holds. */
export const MAX_DASHBOARD_WIDGETS = 500;

/** A widget before layout: what it shows and how big it is (grid units). */
export interface DashboardWidget {
  /** CloudWatch widget type. */
  readonly type: "metric" | "log" | "text";
  /** Width in grid columns (1–24). */
  readonly width: number;
  /** Height in grid rows (1–1000). */
  readonly height: number;
  /** The widget's `properties` object, as the dashboard body format defines it. */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A widget with its place on the grid: the dashboard body's `widgets[]` entry. */
export interface PlacedWidget extends DashboardWidget {
  /** Column of the left edge (0–23). */
  readonly x: number;
  /** Row of the top edge. */
  readonly y: number;
}

/** One metric line of a metric widget. */
export interface MetricLine {
  /** Namespace, e.g. `AWS/ApplicationELB`. */
  readonly namespace: string;
  /** Metric name, e.g. `RequestCount`. */
  readonly metricName: string;
  /** Dimension name → value. @default {} */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** Statistic (`Sum`, `Average`, `p99`, …). @default the widget's `stat` */
  readonly stat?: string;
  /** Legend label. @default CloudWatch's (metric name and dimensions) */
  readonly label?: string;
  /** Id, to use the line in an expression (lower-case first letter). @default none */
  readonly id?: string;
  /** Whether the line is drawn (hide inputs of an expression). @default true */
  readonly visible?: boolean;
  /** Axis the line is drawn against. @default "left" */
  readonly yAxis?: "left" | "right";
}

/** A metric math line of a metric widget. */
export interface ExpressionLine {
  /** Metric math over the ids of other lines, e.g. `100 * errors / requests`. */
  readonly expression: string;
  /** Legend label. */
  readonly label: string;
  /** Id of the result (lower-case first letter). */
  readonly id: string;
  /** Axis the line is drawn against. @default "left" */
  readonly yAxis?: "left" | "right";
}

/** A metric widget: graphs of metrics and expressions. */
export interface MetricWidgetProps {
  /** Title shown above the graph. */
  readonly title: string;
  /** Region of the metrics. */
  readonly region: string;
  /** The lines, drawn in order. */
  readonly metrics: readonly (MetricLine | ExpressionLine)[];
  /** Statistic of lines without their own. @default "Average" */
  readonly stat?: string;
  /** Period of every line, in seconds (60 or a multiple). @default 60 */
  readonly periodSeconds?: number;
  /** Time series, or the latest value as a number. @default "timeSeries" */
  readonly view?: "timeSeries" | "singleValue";
  /** Stack the lines (areas) instead of drawing them over each other. @default false */
  readonly stacked?: boolean;
  /** Left axis bounds and label. @default CloudWatch's (from the data) */
  readonly leftAxis?: { readonly min?: number; readonly max?: number; readonly label?: string };
  /** Right axis bounds and label. @default CloudWatch's (from the data) */
  readonly rightAxis?: { readonly min?: number; readonly max?: number; readonly label?: string };
  /** Width in grid columns. @default 8 */
  readonly width?: number;
  /** Height in grid rows. @default 6 */
  readonly height?: number;
}

/** A metric widget (see MetricWidgetProps). */
export function metricWidget(props: MetricWidgetProps): DashboardWidget {
  const metrics = props.metrics.map((line) => {
    if ("expression" in line) return [{ expression: line.expression, label: line.label, id: line.id, ...(line.yAxis ? { yAxis: line.yAxis } : {}) }];
    const options = {
      ...(line.stat ? { stat: line.stat } : {}),
      ...(line.label ? { label: line.label } : {}),
      ...(line.id ? { id: line.id } : {}),
      ...(line.visible === false ? { visible: false } : {}),
      ...(line.yAxis ? { yAxis: line.yAxis } : {}),
    };
    const dims = Object.entries(line.dimensions ?? {}).flat();
    return [line.namespace, line.metricName, ...dims, ...(Object.keys(options).length ? [options] : [])];
  });
  const axis = (a: MetricWidgetProps["leftAxis"]) => (a ? { ...(a.min !== undefined ? { min: a.min } : {}), ...(a.max !== undefined ? { max: a.max } : {}), ...(a.label ? { label: a.label, showUnits: false } : {}) } : undefined);
  const yAxis = { ...(props.leftAxis ? { left: axis(props.leftAxis) } : {}), ...(props.rightAxis ? { right: axis(props.rightAxis) } : {}) };
  return {
    type: "metric",
    width: props.width ?? 8,
    height: props.height ?? 6,
    properties: {
      title: props.title,
      region: props.region,
      view: props.view ?? "timeSeries",
      stacked: props.stacked ?? false,
      stat: props.stat ?? "Average",
      period: props.periodSeconds ?? 60,
      metrics,
      ...(Object.keys(yAxis).length ? { yAxis } : {}),
    },
  };
}

/** A Logs Insights widget. */
export interface LogWidgetProps {
  /** Title shown above the results. */
  readonly title: string;
  /** Region of the log groups. */
  readonly region: string;
  /** Log groups the query reads (1–50). */
  readonly logGroupNames: readonly string[];
  /** Logs Insights query after the `SOURCE` clauses, e.g. `fields @timestamp, @message | sort @timestamp desc`. */
  readonly query: string;
  /** Table of rows, or a chart of a `stats` query. @default "table" */
  readonly view?: "table" | "timeSeries" | "bar" | "pie";
  /** Width in grid columns. @default 24 */
  readonly width?: number;
  /** Height in grid rows. @default 6 */
  readonly height?: number;
}

/** A Logs Insights widget (see LogWidgetProps). */
export function logWidget(props: LogWidgetProps): DashboardWidget {
  const sources = props.logGroupNames.map((g) => `SOURCE '${g}'`).join(" | ");
  return {
    type: "log",
    width: props.width ?? GRID_COLUMNS,
    height: props.height ?? 6,
    properties: { title: props.title, region: props.region, view: props.view ?? "table", query: `${sources} | ${props.query}` },
  };
}

/** A Markdown text widget (section headers, notes). */
export interface TextWidgetProps {
  /** Markdown shown. */
  readonly markdown: string;
  /** Width in grid columns. @default 24 */
  readonly width?: number;
  /** Height in grid rows. @default 1 */
  readonly height?: number;
}

/** A Markdown text widget (see TextWidgetProps). */
export function textWidget(props: TextWidgetProps): DashboardWidget {
  return { type: "text", width: props.width ?? GRID_COLUMNS, height: props.height ?? 1, properties: { markdown: props.markdown } };
}

/**
 * Places sections of widgets on the 24-column grid: each section starts on a new row; within it
 * widgets flow left to right and wrap when the next one does not fit, a row as tall as its
 * tallest widget. So no two widgets overlap, whatever their sizes. Throws a RangeError for a
 * widget wider than the grid or smaller than one cell.
 */
export function layoutWidgets(sections: readonly (readonly DashboardWidget[])[]): PlacedWidget[] {
  const placed: PlacedWidget[] = [];
  let top = 0;
  for (const section of sections) {
    let x = 0;
    let y = top;
    let rowHeight = 0;
    for (const widget of section) {
      if (!Number.isInteger(widget.width) || widget.width < 1 || widget.width > GRID_COLUMNS || !Number.isInteger(widget.height) || widget.height < 1 || widget.height > 1000)
        throw new RangeError(`widget ${JSON.stringify(widget.properties.title ?? widget.type)} is ${widget.width}×${widget.height}; widths are 1–${GRID_COLUMNS} columns, heights 1–1000 rows`);
      if (x + widget.width > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      placed.push({ ...widget, x, y });
      x += widget.width;
      rowHeight = Math.max(rowHeight, widget.height);
    }
    top = y + rowHeight;
  }
  return placed;
}

/** One ECS service on the dashboard. */
export interface DashboardService {
  /** Name in titles, e.g. `web`. Unique on the dashboard. */
  readonly name: string;
  /** ECS cluster name (`ClusterName` dimension). */
  readonly clusterName: string;
  /** ECS service name (`ServiceName` dimension). */
  readonly serviceName: string;
  /** Load balancer and target group ARN suffixes (FargateService) for routed services. @default none: a worker, no request widgets */
  readonly loadBalancer?: { readonly arnSuffix: string; readonly targetGroupArnSuffix: string };
  /** Availability SLO target in percent (e.g. 99.9): adds an error-budget burn-rate widget (needs `loadBalancer`). @default none */
  readonly availabilityPercent?: number;
}

/** The database on the dashboard. */
export interface DashboardDatabase {
  /** DB instance identifier of the primary. */
  readonly primary: string;
  /** DB instance identifiers of the read replicas. @default [] (no replica lag widget) */
  readonly replicas?: readonly string[];
}

/** Cron jobs on the dashboard: their success counts (ScheduledTask's heartbeat metric). */
export interface DashboardCron {
  /** Namespace of the `JobSucceeded` metric: `<app>/<env>/cron` (ScheduledTask). */
  readonly namespace: string;
  /** Job names (`Job` dimension). */
  readonly jobs: readonly string[];
  /** The jobs' log groups: adds a widget of the failures the jobs logged. @default none */
  readonly logGroupNames?: readonly string[];
}

export interface EnvironmentDashboardProps {
  /** Naming helper of the stack; the dashboard is `<app>-<env>`. */
  readonly names: Names;
  /** Region of every metric and log group shown. */
  readonly region: string;
  /** ECS services: one group of widgets each (requests, 5xx, latency when routed; tasks, CPU/memory). */
  readonly services: readonly DashboardService[];
  /** Database primary and replicas: CPU, connections, replica lag, free storage. @default none (no database section) */
  readonly database?: DashboardDatabase;
  /** SQS queue names: depth and oldest message age. @default [] (no queue section) */
  readonly queues?: readonly string[];
  /** Cron jobs: successes per job per hour. @default none (no cron section) */
  readonly cron?: DashboardCron;
  /** Log group of DeployMarkers: the latest deployment events, in a log widget. @default none (no deploy section) */
  readonly deployMarkerLogGroupName?: string;
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

/**
 * The on-call dashboard of one environment (CloudWatch dashboard `<app>-<env>`), top to bottom:
 * the latest deployments (DeployMarkers' log group), then one group per service (request rate,
 * 5xx count and share, p50/p99 latency for routed services; running vs desired tasks from
 * Container Insights, CPU and memory), the database (CPU, connections, replica lag, free storage),
 * queues (depth, oldest message age) and cron successes per job. Every service gets the same
 * group from the same code: adding one is adding a list entry.
 *
 * Widgets are built by the typed builders metricWidget, logWidget and textWidget and placed by
 * layoutWidgets (sections start on a new row; no overlaps). The body is JSON.stringify'd here:
 * resource attributes passed in (cluster names, ARN suffixes) stay cdktf tokens inside JSON string
 * values and synthesize to Terraform interpolations (`"${aws_ecs_cluster.x.name}"`), which
 * Terraform fills in; the rest is literal JSON.
 *
 * @example new EnvironmentDashboard(this, "dashboard", { names, region, services: [{ name: "web", clusterName, serviceName: web.serviceName, loadBalancer: { arnSuffix, targetGroupArnSuffix } }], database: { primary: db.identifier }, queues: [uploads.queueName], cron: { namespace: "shipkit/prod/cron", jobs: ["nightly-report"] }, deployMarkerLogGroupName: markers.logGroupName });
 * Cost: $3/month per dashboard beyond the account's first 3; metric reads by viewers are free.
 * Tested via: test/observability/environment-dashboard.test.ts
 */
export class EnvironmentDashboard extends Construct {
  /** Dashboard name (`<app>-<env>`). */
  readonly dashboardName: string;
  /** The placed widgets (the body's `widgets`), for tests and for reuse. */
  readonly widgets: readonly PlacedWidget[];
  /** The underlying resources, for escape hatches and tests. */
  readonly resources: { readonly dashboard: CloudwatchDashboard };

  constructor(scope: Construct, id: string, props: EnvironmentDashboardProps) {
    super(scope, id);
    const { names, region } = props;
    const cfg = { ...props, queues: props.queues ?? [] };
    const serviceNames = cfg.services.map((s) => s.name);
    const badName = serviceNames.find((n) => !SERVICE_NAME.test(n));
    if (badName !== undefined) throw new ConfigError(this, "services", `name ${JSON.stringify(badName)} must be kebab-case, 1–41 characters (it titles the service's widgets)`);
    const twice = serviceNames.find((n, i) => serviceNames.indexOf(n) !== i);
    if (twice) throw new ConfigError(this, "services", `lists ${twice} twice; give each service its own name`);
    const literalQueues = cfg.queues.filter((q) => !Token.isUnresolved(q));
    const queueTwice = literalQueues.find((q, i) => literalQueues.indexOf(q) !== i);
    if (queueTwice) throw new ConfigError(this, "queues", `lists ${queueTwice} twice`);
    if (cfg.cron && cfg.cron.jobs.length === 0) throw new ConfigError(this, "cron", "has no jobs; leave cron out instead");

    const sections: DashboardWidget[][] = [
      [textWidget({ markdown: `# ${names.prefix}\nSaved queries: CloudWatch → Logs Insights → Saved queries → ${names.prefix}. Runbook: docs/runbook.md`, height: 2 })],
    ];
    if (cfg.deployMarkerLogGroupName) sections.push(deploySection(region, cfg.deployMarkerLogGroupName));
    for (const service of cfg.services) sections.push(serviceSection(region, service));
    if (cfg.database) sections.push(databaseSection(region, cfg.database));
    if (cfg.queues.length) sections.push(queueSection(region, cfg.queues));
    if (cfg.cron) sections.push(cronSection(region, cfg.cron));

    this.widgets = layoutWidgets(sections);
    if (this.widgets.length > MAX_DASHBOARD_WIDGETS) throw new ConfigError(this, "services", `make ${this.widgets.length} widgets; a dashboard holds at most ${MAX_DASHBOARD_WIDGETS}: split the environment over two dashboards`);
    this.dashboardName = names.prefix;
    const dashboard = new CloudwatchDashboard(this, "dashboard", { dashboardName: this.dashboardName, dashboardBody: JSON.stringify({ widgets: this.widgets }) });
    this.resources = { dashboard };
  }
}

/** The header, then the latest deployment events. */
function deploySection(region: string, logGroupName: string): DashboardWidget[] {
  return [
    textWidget({ markdown: "## Deployments" }),
    logWidget({
      title: "Latest ECS deployment events (IN_PROGRESS, COMPLETED, FAILED; rollbacks say so in reason)",
      region,
      logGroupNames: [logGroupName],
      query: "fields @timestamp, detail.eventName, resources.0, detail.deploymentId, detail.reason | sort @timestamp desc | limit 50",
    }),
  ];
}

/** One service's group; every service gets this same group. */
function serviceSection(region: string, s: DashboardService): DashboardWidget[] {
  const ecs = { ClusterName: s.clusterName, ServiceName: s.serviceName };
  const widgets: DashboardWidget[] = [textWidget({ markdown: `## Service ${s.name}` })];
  if (s.loadBalancer) {
    const tg = { LoadBalancer: s.loadBalancer.arnSuffix, TargetGroup: s.loadBalancer.targetGroupArnSuffix };
    const elb = (metricName: string, extra: Partial<MetricLine> = {}): MetricLine => ({ namespace: "AWS/ApplicationELB", metricName, dimensions: tg, ...extra });
    widgets.push(
      metricWidget({ title: `${s.name}: requests per minute`, region, stat: "Sum", metrics: [elb("RequestCount", { label: "requests" })] }),
      metricWidget({
        title: `${s.name}: 5xx responses`,
        region,
        stat: "Sum",
        metrics: [
          elb("HTTPCode_Target_5XX_Count", { id: "errors", label: "5xx" }),
          elb("RequestCount", { id: "requests", visible: false }),
          { expression: "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)", label: "5xx %", id: "ratio", yAxis: "right" },
        ],
        rightAxis: { min: 0, label: "%" },
      }),
      ...(s.availabilityPercent !== undefined
        ? [
            metricWidget({
              title: `${s.name}: SLO burn rate, hourly (1 = spending the budget exactly; pages at 14.4)`,
              region,
              stat: "Sum",
              periodSeconds: 3600,
              metrics: [
                elb("HTTPCode_Target_5XX_Count", { id: "errors", visible: false }),
                elb("RequestCount", { id: "requests", visible: false }),
                { expression: `IF(requests > 0, FILL(errors, 0) / requests, 0) / ${Number((1 - s.availabilityPercent / 100).toPrecision(12))}`, label: "burn rate", id: "burn" },
              ],
              leftAxis: { min: 0 },
            }),
          ]
        : []),
      metricWidget({
        title: `${s.name}: response time (s)`,
        region,
        metrics: [elb("TargetResponseTime", { stat: "p50", label: "p50" }), elb("TargetResponseTime", { stat: "p99", label: "p99" })],
        leftAxis: { min: 0 },
      }),
    );
  }
  widgets.push(
    metricWidget({
      title: `${s.name}: running vs desired tasks`,
      region,
      stat: "Average",
      metrics: [
        { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: ecs, label: "running" },
        { namespace: "ECS/ContainerInsights", metricName: "DesiredTaskCount", dimensions: ecs, label: "desired" },
      ],
      leftAxis: { min: 0 },
      width: 12,
    }),
    metricWidget({
      title: `${s.name}: CPU and memory (%)`,
      region,
      metrics: [
        { namespace: "AWS/ECS", metricName: "CPUUtilization", dimensions: ecs, label: "CPU" },
        { namespace: "AWS/ECS", metricName: "MemoryUtilization", dimensions: ecs, label: "memory" },
      ],
      leftAxis: { min: 0, max: 100 },
      width: 12,
    }),
  );
  return widgets;
}

function databaseSection(region: string, db: DashboardDatabase): DashboardWidget[] {
  const replicas = db.replicas ?? [];
  const instances = [db.primary, ...replicas];
  const rds = (metricName: string, ids: readonly string[], extra: Partial<MetricLine> = {}): MetricLine[] =>
    ids.map((id) => ({ namespace: "AWS/RDS", metricName, dimensions: { DBInstanceIdentifier: id }, label: id, ...extra }));
  const width = replicas.length ? 6 : 8;
  return [
    textWidget({ markdown: "## Database" }),
    metricWidget({ title: "Database CPU (%)", region, metrics: rds("CPUUtilization", instances), leftAxis: { min: 0, max: 100 }, width }),
    metricWidget({ title: "Database connections", region, metrics: rds("DatabaseConnections", instances), leftAxis: { min: 0 }, width }),
    ...(replicas.length ? [metricWidget({ title: "Replica lag (s)", region, stat: "Maximum", metrics: rds("ReplicaLag", replicas), leftAxis: { min: 0 }, width })] : []),
    metricWidget({ title: "Free storage (bytes)", region, stat: "Minimum", metrics: rds("FreeStorageSpace", instances), leftAxis: { min: 0 }, width }),
  ];
}

function queueSection(region: string, queues: readonly string[]): DashboardWidget[] {
  const sqs = (metricName: string) => queues.map((q): MetricLine => ({ namespace: "AWS/SQS", metricName, dimensions: { QueueName: q }, label: q }));
  return [
    textWidget({ markdown: "## Queues" }),
    metricWidget({ title: "Messages waiting", region, stat: "Maximum", metrics: sqs("ApproximateNumberOfMessagesVisible"), leftAxis: { min: 0 }, width: 12 }),
    metricWidget({ title: "Oldest message age (s)", region, stat: "Maximum", metrics: sqs("ApproximateAgeOfOldestMessage"), leftAxis: { min: 0 }, width: 12 }),
  ];
}

function cronSection(region: string, cron: DashboardCron): DashboardWidget[] {
  return [
    textWidget({ markdown: "## Cron" }),
    metricWidget({
      title: "Cron successes per job per hour (a gap is a missed or failed run)",
      region,
      stat: "Sum",
      periodSeconds: 3600,
      metrics: cron.jobs.map((job) => ({ namespace: cron.namespace, metricName: SUCCESS_METRIC, dimensions: { Job: job }, label: job })),
      leftAxis: { min: 0 },
      width: GRID_COLUMNS,
    }),
    ...(cron.logGroupNames?.length
      ? [
          logWidget({
            title: "Cron failures the jobs logged (a run killed by its timeout logs none: its failure alert names it)",
            region,
            logGroupNames: cron.logGroupNames,
            query: `fields @timestamp, ${LOG_FIELD.job}, ${LOG_FIELD.event}, ${LOG_FIELD.level}, ${LOG_FIELD.msg}, ${LOG_FIELD.error}\n| filter ${LOG_FIELD.event} = "${LOG_EVENT.jobFailed}" or ${LOG_FIELD.level} in ["error", "fatal"]\n| sort @timestamp desc\n| limit 50`,
          }),
        ]
      : []),
  ];
}
