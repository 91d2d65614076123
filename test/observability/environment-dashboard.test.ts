import { Testing } from "cdktf";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import {
  EnvironmentDashboard,
  GRID_COLUMNS,
  layoutWidgets,
  logWidget,
  metricWidget,
  textWidget,
  type DashboardService,
  type EnvironmentDashboardProps,
  type PlacedWidget,
} from "../../lib/observability/environment-dashboard";
import { Names } from "../../lib/core/naming";
import { resources, type SynthJson } from "../helpers";

const names = new Names("shipkit", "prod");
const web: DashboardService = { name: "web", clusterName: "shipkit-prod", serviceName: "shipkit-prod-web", loadBalancer: { arnSuffix: "app/shipkit-prod/abc", targetGroupArnSuffix: "targetgroup/shipkit-prod-web/def" } };
const worker: DashboardService = { name: "worker", clusterName: "shipkit-prod", serviceName: "shipkit-prod-worker" };
const full: EnvironmentDashboardProps = {
  names,
  region: "eu-west-1",
  services: [web, worker],
  database: { primary: "shipkit-prod-db", replicas: ["shipkit-prod-db-replica-0"] },
  queues: ["shipkit-prod-uploads"],
  cron: { namespace: "shipkit/prod/cron", jobs: ["nightly-report", "cleanup"] },
  deployMarkerLogGroupName: "/shipkit/prod/deploys",
};

interface Body {
  widgets: (PlacedWidget & { properties: { title?: string; metrics?: unknown[][]; query?: string; markdown?: string } })[];
}
const synthJson = (props: Partial<EnvironmentDashboardProps> = {}): SynthJson => JSON.parse(Testing.synthScope((s) => new EnvironmentDashboard(s, "dashboard", { ...full, ...props }))) as SynthJson;
const bodyOf = (json: SynthJson): Body => JSON.parse(resources(json, "aws_cloudwatch_dashboard")[0]!.dashboard_body as string) as Body;
const titles = (body: Body) => body.widgets.map((w) => w.properties.title ?? w.properties.markdown);

/** True when two placed widgets share at least one grid cell. */
const overlap = (a: PlacedWidget, b: PlacedWidget) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const expectNoOverlap = (widgets: readonly PlacedWidget[]) => {
  for (const w of widgets) {
    expect(w.x).toBeGreaterThanOrEqual(0);
    expect(w.x + w.width).toBeLessThanOrEqual(GRID_COLUMNS);
  }
  const clashes = widgets.flatMap((a, i) => widgets.slice(i + 1).filter((b) => overlap(a, b)).map((b) => [a, b]));
  expect(clashes).toEqual([]);
};

describe("EnvironmentDashboard", () => {
  const json = synthJson();
  const body = bodyOf(json);

  test("one dashboard, named <app>-<env>, whose body is JSON", () => {
    expect(resources(json, "aws_cloudwatch_dashboard")).toEqual([expect.objectContaining({ dashboard_name: "shipkit-prod" })]);
    expect(body.widgets.length).toBeGreaterThan(10);
    for (const w of body.widgets) expect(["metric", "log", "text"]).toContain(w.type);
  });

  test("widgets never overlap and stay on the 24-column grid", () => expectNoOverlap(body.widgets));

  test("every service gets the same group of widgets from the same code (routed services add the request widgets)", () => {
    const services = Array.from({ length: 4 }, (_, i): DashboardService => ({ ...web, name: `svc-${i}`, serviceName: `shipkit-prod-svc-${i}` }));
    const counts = [1, 2, 4].map((n) => bodyOf(synthJson({ services: services.slice(0, n) })).widgets.length);
    const perService = counts[1]! - counts[0]!;
    expect(counts[2]! - counts[1]!).toBe(2 * perService); // linear: n services, n identical groups
    const many = bodyOf(synthJson({ services }));
    const groupOf = (name: string) => titles(many).filter((t) => t?.includes(name)).map((t) => t!.replace(name, "<service>"));
    expect(groupOf("svc-0")).toEqual(["## Service <service>", "<service>: requests per minute", "<service>: 5xx responses", "<service>: response time (s)", "<service>: running vs desired tasks", "<service>: CPU and memory (%)"]);
    for (const s of services.slice(1)) expect(groupOf(s.name)).toEqual(groupOf("svc-0"));
    expectNoOverlap(many.widgets);
    expect(titles(body).filter((t) => t?.startsWith("worker"))).toEqual(["worker: running vs desired tasks", "worker: CPU and memory (%)"]);
  });

  test("what the service widgets graph", () => {
    const byTitle = (t: string) => body.widgets.find((w) => w.properties.title === t)!.properties.metrics!;
    const tg = ["LoadBalancer", web.loadBalancer!.arnSuffix, "TargetGroup", web.loadBalancer!.targetGroupArnSuffix];
    expect(byTitle("web: requests per minute")).toEqual([["AWS/ApplicationELB", "RequestCount", ...tg, { label: "requests" }]]);
    expect(byTitle("web: 5xx responses")).toContainEqual([expect.objectContaining({ expression: expect.stringContaining("FILL(errors, 0) / requests"), yAxis: "right" })]);
    expect(byTitle("web: response time (s)")).toEqual([
      ["AWS/ApplicationELB", "TargetResponseTime", ...tg, { stat: "p50", label: "p50" }],
      ["AWS/ApplicationELB", "TargetResponseTime", ...tg, { stat: "p99", label: "p99" }],
    ]);
    const ecs = ["ClusterName", "shipkit-prod", "ServiceName", "shipkit-prod-worker"];
    expect(byTitle("worker: running vs desired tasks")).toEqual([
      ["ECS/ContainerInsights", "RunningTaskCount", ...ecs, { label: "running" }],
      ["ECS/ContainerInsights", "DesiredTaskCount", ...ecs, { label: "desired" }],
    ]);
    expect(byTitle("worker: CPU and memory (%)").map((m) => m.slice(0, 2))).toEqual([["AWS/ECS", "CPUUtilization"], ["AWS/ECS", "MemoryUtilization"]]);
  });

  test("database, queues, cron and deploy markers", () => {
    const metricsOf = (t: string) => body.widgets.find((w) => w.properties.title === t)!.properties.metrics!;
    expect(metricsOf("Database CPU (%)").map((m) => m[3])).toEqual(["shipkit-prod-db", "shipkit-prod-db-replica-0"]);
    expect(metricsOf("Replica lag (s)")).toEqual([["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "shipkit-prod-db-replica-0", { label: "shipkit-prod-db-replica-0" }]]);
    expect(metricsOf("Free storage (bytes)").map((m) => m[1])).toEqual(["FreeStorageSpace", "FreeStorageSpace"]);
    expect(metricsOf("Database connections").map((m) => m[1])).toEqual(["DatabaseConnections", "DatabaseConnections"]);
    expect(metricsOf("Messages waiting")).toEqual([["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "shipkit-prod-uploads", { label: "shipkit-prod-uploads" }]]);
    expect(metricsOf("Oldest message age (s)")[0]![1]).toBe("ApproximateAgeOfOldestMessage");
    const cron = body.widgets.find((w) => w.properties.title?.startsWith("Cron successes"))!;
    expect(cron.properties).toMatchObject({ stat: "Sum", period: 3600 });
    expect(cron.properties.metrics).toEqual([
      ["shipkit/prod/cron", "JobSucceeded", "Job", "nightly-report", { label: "nightly-report" }],
      ["shipkit/prod/cron", "JobSucceeded", "Job", "cleanup", { label: "cleanup" }],
    ]);
    const deploys = body.widgets.find((w) => w.type === "log")!;
    expect(deploys.properties.query).toMatch(/^SOURCE '\/shipkit\/prod\/deploys' \| fields @timestamp, detail\.eventName/);
    expect(deploys.y).toBeLessThan(body.widgets.find((w) => w.properties.title === "web: requests per minute")!.y); // deploys on top
  });

  test("no replicas: no replica lag widget; sections left out are absent", () => {
    const t = titles(bodyOf(synthJson({ database: { primary: "db" }, queues: undefined, cron: undefined, deployMarkerLogGroupName: undefined })));
    expect(t).toContain("Database CPU (%)");
    expect(t).not.toContain("Replica lag (s)");
    expect(t.filter((x) => x === "## Queues" || x === "## Cron" || x === "## Deployments")).toEqual([]);
  });

  test("resource attributes stay Terraform interpolations inside the JSON body", () => {
    const out = JSON.parse(
      Testing.synthScope((s) => {
        const cluster = new EcsCluster(s, "cluster", { name: "shipkit-prod" });
        new EnvironmentDashboard(s, "dashboard", { names, region: "eu-west-1", services: [{ ...worker, clusterName: cluster.name }] });
      }),
    ) as SynthJson;
    const raw = resources(out, "aws_cloudwatch_dashboard")[0]!.dashboard_body as string;
    const parsed = JSON.parse(raw) as Body; // valid JSON before Terraform fills in the names
    const tasks = parsed.widgets.find((w) => w.properties.title === "worker: running vs desired tasks")!;
    expect(tasks.properties.metrics![0]).toEqual(["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", "${aws_ecs_cluster.cluster.name}", "ServiceName", "shipkit-prod-worker", { label: "running" }]);
    // Only whole interpolations of resource attributes: no other "${" Terraform would try to read.
    expect(raw.match(/\$\{[^}]*\}/g)).toEqual(["${aws_ecs_cluster.cluster.name}", "${aws_ecs_cluster.cluster.name}", "${aws_ecs_cluster.cluster.name}", "${aws_ecs_cluster.cluster.name}"]);
    expect(raw).not.toMatch(/%\{/);
  });

  test.each([
    ["a service twice", { services: [web, web] }, /dashboard: "services" lists web twice/],
    ["a service name that is not kebab-case", { services: [{ ...web, name: "Web App" }] }, /"services" name "Web App" must be kebab-case/],
    ["a queue twice", { queues: ["q", "q"] }, /"queues" lists q twice/],
    ["cron without jobs", { cron: { namespace: "n", jobs: [] } }, /"cron" has no jobs/],
  ] as const)("rejects %s", (_what, patch, message) => {
    expect(() => synthJson(patch as Partial<EnvironmentDashboardProps>)).toThrow(message);
  });
});

describe("widget builders and layout", () => {
  test("metricWidget writes CloudWatch's metric array format", () => {
    const w = metricWidget({ title: "t", region: "eu-west-1", metrics: [{ namespace: "N", metricName: "M", dimensions: { A: "1" }, id: "m", visible: false }, { expression: "m * 2", label: "double", id: "d" }], periodSeconds: 300, stat: "Sum" });
    expect(w).toEqual({
      type: "metric",
      width: 8,
      height: 6,
      properties: { title: "t", region: "eu-west-1", view: "timeSeries", stacked: false, stat: "Sum", period: 300, metrics: [["N", "M", "A", "1", { id: "m", visible: false }], [{ expression: "m * 2", label: "double", id: "d" }]] },
    });
  });
  test("logWidget prefixes a SOURCE clause per log group; textWidget is a full-width row", () => {
    expect(logWidget({ title: "t", region: "r", logGroupNames: ["/a", "/b"], query: "fields @message" }).properties.query).toBe("SOURCE '/a' | SOURCE '/b' | fields @message");
    expect(textWidget({ markdown: "# x" })).toEqual({ type: "text", width: 24, height: 1, properties: { markdown: "# x" } });
  });
  test("layout wraps rows, starts each section on a new row, and never overlaps whatever the sizes", () => {
    const w = (width: number, height: number) => textWidget({ markdown: `${width}x${height}`, width, height });
    const placed = layoutWidgets([[w(10, 3), w(10, 5), w(10, 2)], [w(24, 1)], [w(7, 4), w(17, 6), w(1, 1)]]);
    expect(placed.map(({ x, y }) => [x, y])).toEqual([[0, 0], [10, 0], [0, 5], [0, 7], [0, 8], [7, 8], [0, 14]]);
    expectNoOverlap(placed);
    let seed = 7;
    const random = (n: number) => 1 + ((seed = (seed * 48271) % 2147483647) % n);
    const sections = Array.from({ length: 20 }, () => Array.from({ length: random(8) }, () => w(random(24), random(9))));
    expectNoOverlap(layoutWidgets(sections));
  });
  test("layout rejects a widget wider than the grid", () => {
    expect(() => layoutWidgets([[textWidget({ markdown: "x", width: 25 })]])).toThrow(/widths are 1–24 columns/);
  });
});
