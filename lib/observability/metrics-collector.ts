/**
 * The AWS Distro for OpenTelemetry (ADOT) collector configuration that scrapes a service's
 * Prometheus endpoint and remote-writes to an Amazon Managed Service for Prometheus workspace,
 * generated from typed data, and its validation against the documented schema of the three
 * components it uses: the Prometheus receiver, the Prometheus remote write exporter and the SigV4
 * authentication extension (Amazon Managed Service for Prometheus User Guide, "Using AWS Distro for
 * OpenTelemetry as a collector"). The sidecar reads the YAML from `AOT_CONFIG_CONTENT`.
 *
 * Tested via: test/observability/metrics-collector.test.ts
 */
import { parse, stringify } from "yaml";
import { z } from "zod";

/** What to scrape and where to write. */
export interface CollectorSettings {
  /** Scrape job name: the service (`web`, `backend`). */
  readonly job: string;
  /** Port the app serves metrics on, inside the task (the sidecar scrapes localhost). */
  readonly port: number;
  /** Path of the Prometheus endpoint. @default "/metrics" */
  readonly path?: string;
  /** Scrape interval in seconds. @default 30 */
  readonly intervalSeconds?: number;
  /** Remote write URL of the workspace: `<prometheus_endpoint>api/v1/remote_write`. */
  readonly remoteWriteUrl: string;
  /** Region the workspace is in (SigV4 signing scope). */
  readonly region: string;
}

/** The collector configuration for `s`, as YAML (validated before it is returned). */
export function collectorConfig(s: CollectorSettings): string {
  const interval = s.intervalSeconds ?? 30;
  const config = {
    extensions: { sigv4auth: { region: s.region, service: "aps" } },
    receivers: {
      prometheus: {
        config: {
          global: { scrape_interval: `${interval}s`, scrape_timeout: `${Math.min(10, interval)}s` },
          scrape_configs: [{ job_name: s.job, metrics_path: s.path ?? "/metrics", static_configs: [{ targets: [`localhost:${s.port}`] }] }],
        },
      },
    },
    exporters: { prometheusremotewrite: { endpoint: s.remoteWriteUrl, auth: { authenticator: "sigv4auth" } } },
    service: { extensions: ["sigv4auth"], pipelines: { metrics: { receivers: ["prometheus"], exporters: ["prometheusremotewrite"] } } },
  };
  // No folding: a long value (a Terraform reference in the URL) must stay on one line.
  const text = stringify(config, { lineWidth: 0 });
  const problems = collectorConfigProblems(text);
  if (problems.length) throw new Error(`generated collector config is invalid: ${problems.join("; ")}`);
  return text;
}

const duration = z.string().regex(/^[0-9]+(ms|s|m|h)$/, "is not a Prometheus duration such as 30s");
const seconds = (d: string) => Number(d.replace(/[a-z]+$/, "")) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[d.replace(/^[0-9]+/, "") as "ms" | "s" | "m" | "h"] ?? NaN);

/** The documented shape of the components this kit uses (strict: an unknown key is a typo). */
const collectorSchema = z
  .object({
    extensions: z.object({ sigv4auth: z.object({ region: z.string().min(1), service: z.literal("aps") }).strict() }).strict(),
    receivers: z
      .object({
        prometheus: z
          .object({
            config: z
              .object({
                global: z.object({ scrape_interval: duration, scrape_timeout: duration }).strict(),
                scrape_configs: z
                  .array(
                    z
                      .object({
                        job_name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/, "is not a job name"),
                        metrics_path: z.string().startsWith("/", "must start with /"),
                        static_configs: z.array(z.object({ targets: z.array(z.string().regex(/^[a-z0-9.-]+:[0-9]{1,5}$/, "is not host:port")).min(1) }).strict()).min(1),
                      })
                      .strict(),
                  )
                  .min(1),
              })
              .strict(),
          })
          .strict(),
      })
      .strict(),
    exporters: z
      .object({
        prometheusremotewrite: z
          .object({
            endpoint: z.string().regex(/^(https:\/\/|\$\{).*api\/v1\/remote_write$/, "is not a workspace remote_write URL (https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/api/v1/remote_write)"),
            auth: z.object({ authenticator: z.string() }).strict(),
          })
          .strict(),
      })
      .strict(),
    service: z
      .object({
        extensions: z.array(z.string()),
        pipelines: z.record(z.object({ receivers: z.array(z.string()).min(1), exporters: z.array(z.string()).min(1) }).strict()),
      })
      .strict(),
  })
  .strict();

/** Why a collector YAML would be refused or not work (empty when it is fine): schema, and references between sections. */
export function collectorConfigProblems(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return [`not YAML: ${(err as Error).message}`];
  }
  const parsed = collectorSchema.safeParse(doc);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
  const c = parsed.data;
  const problems: string[] = [];
  const g = c.receivers.prometheus.config.global;
  if (seconds(g.scrape_timeout) > seconds(g.scrape_interval)) problems.push(`receivers.prometheus.config.global.scrape_timeout ${g.scrape_timeout} is longer than scrape_interval ${g.scrape_interval}`);
  for (const ext of c.service.extensions) if (!(ext in c.extensions)) problems.push(`service.extensions names ${ext}, which extensions does not define`);
  if (!(c.exporters.prometheusremotewrite.auth.authenticator in c.extensions)) problems.push(`exporters.prometheusremotewrite.auth.authenticator names ${c.exporters.prometheusremotewrite.auth.authenticator}, which extensions does not define`);
  if (!c.service.extensions.includes(c.exporters.prometheusremotewrite.auth.authenticator)) problems.push("the authenticator extension is not enabled in service.extensions (the collector would not start it)");
  for (const [name, p] of Object.entries(c.service.pipelines)) {
    for (const r of p.receivers) if (!(r in c.receivers)) problems.push(`service.pipelines.${name} names receiver ${r}, which receivers does not define`);
    for (const e of p.exporters) if (!(e in c.exporters)) problems.push(`service.pipelines.${name} names exporter ${e}, which exporters does not define`);
  }
  return problems;
}
