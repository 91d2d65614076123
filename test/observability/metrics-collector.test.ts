import { parse, stringify } from "yaml";
import { collectorConfig, collectorConfigProblems } from "../../lib/observability/metrics-collector";

const URL = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-12345678-abcd/api/v1/remote_write";
const settings = { job: "backend", port: 9464, remoteWriteUrl: URL, region: "us-east-1" };

describe("ADOT collector config", () => {
  test("scrapes the service's endpoint on localhost and remote-writes with SigV4 to the workspace", () => {
    const doc = parse(collectorConfig(settings)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(doc.receivers.prometheus.config.scrape_configs).toEqual([{ job_name: "backend", metrics_path: "/metrics", static_configs: [{ targets: ["localhost:9464"] }] }]);
    expect(doc.exporters.prometheusremotewrite).toEqual({ endpoint: URL, auth: { authenticator: "sigv4auth" } });
    expect(doc.extensions.sigv4auth).toEqual({ region: "us-east-1", service: "aps" });
    expect(doc.service.pipelines.metrics).toEqual({ receivers: ["prometheus"], exporters: ["prometheusremotewrite"] });
    expect(collectorConfigProblems(collectorConfig({ ...settings, intervalSeconds: 5, path: "/internal/metrics" }))).toEqual([]);
  });

  test("a Terraform reference as the endpoint passes (the workspace URL is known at apply)", () => {
    expect(collectorConfigProblems(collectorConfig({ ...settings, remoteWriteUrl: "${aws_prometheus_workspace.metrics_workspace_1234.prometheus_endpoint}api/v1/remote_write" }))).toEqual([]);
  });

  const valid = () => parse(collectorConfig(settings)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  test.each<[string, (c: Record<string, any>) => void, RegExp]>([ // eslint-disable-line @typescript-eslint/no-explicit-any
    ["a typo in a key", (c) => { c.exporters.prometheusremotewrite.endpiont = URL; }, /Unrecognized key\(s\) in object: 'endpiont'/],
    ["an endpoint that is not remote_write", (c) => { c.exporters.prometheusremotewrite.endpoint = "https://example.com/push"; }, /endpoint is not a workspace remote_write URL/],
    ["a pipeline naming an exporter that does not exist", (c) => { c.service.pipelines.metrics.exporters = ["awsemf"]; }, /names exporter awsemf, which exporters does not define/],
    ["the authenticator not enabled", (c) => { c.service.extensions = []; }, /authenticator extension is not enabled/],
    ["a scrape timeout above the interval", (c) => { c.receivers.prometheus.config.global.scrape_timeout = "60s"; }, /scrape_timeout 60s is longer than scrape_interval 30s/],
    ["a target that is not host:port", (c) => { c.receivers.prometheus.config.scrape_configs[0].static_configs[0].targets = ["http://localhost/metrics"]; }, /targets.0 is not host:port/],
  ])("refuses %s", (_, change, message) => {
    const c = valid();
    change(c);
    expect(collectorConfigProblems(stringify(c)).join("\n")).toMatch(message);
  });
});
