import { ephemeral, prod, staging } from "../../environments";
import type { EnvironmentConfig } from "../../environments/types";
import { fargateLine, formatCostEstimate, monthlyCost, type CostEstimate } from "../../lib/cost/estimate";
import { inventoryFromSynth, modelInventory } from "../../lib/cost/inventory";
import { PRICE_DATE, PRICES, RDS_POSTGRES_HOURLY, rdsHourly } from "../../lib/cost/prices";
import { synthEnv, withEnv } from "../helpers";

const preview = ephemeral(42);
const line = (e: CostEstimate, prefix: string) => e.lines.filter((l) => l.item.startsWith(prefix));
const sum = (e: CostEstimate, prefix: string) => line(e, prefix).reduce((n, l) => n + l.monthly, 0);

describe("monthlyCost on the real environments", () => {
  const estimates: [string, EnvironmentConfig, CostEstimate][] = [prod, staging, preview].map((env) => [env.name, env, monthlyCost(env)]);

  it.each(estimates)("%s: total is the sum of its lines, every line has a basis, the price date is the table's", (_name, _env, e) => {
    expect(e.lines.length).toBeGreaterThan(0);
    expect(Math.abs(e.total - e.lines.reduce((n, l) => n + l.monthly, 0))).toBeLessThan(0.005);
    for (const l of e.lines) {
      expect(l.item).not.toBe("");
      expect(l.basis.length).toBeGreaterThan(10);
      expect(Number.isFinite(l.monthly) && l.monthly >= 0).toBe(true);
      expect(l.basis).not.toMatch(/NOT PRICED|NaN|undefined/);
    }
    expect(e.priceDate).toBe(PRICE_DATE);
    expect(e.priceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("prices prod above staging, and a preview far below staging (it adds only its own tasks and logs)", () => {
    const [p, s, pr] = estimates.map(([, , e]) => e.total);
    expect(p!).toBeGreaterThan(s!);
    expect(pr!).toBeGreaterThan(0);
    expect(pr! * 10).toBeLessThan(s!);
  });

  it("gives prod a line per service, per-AZ NAT, the Multi-AZ primary and the replica; a preview no NAT, ALB or database of its own", () => {
    const p = monthlyCost(prod);
    expect(line(p, "Fargate: ").map((l) => l.item)).toEqual(expect.arrayContaining(Object.keys(prod.services).map((s) => `Fargate: ${s}`)));
    expect(line(p, "NAT gateways (per-az)")[0]!.monthly).toBeCloseTo(3 * PRICES.natGatewayHour.usd * 730, 2);
    expect(line(p, "RDS primary db.r6g.large Multi-AZ")).toHaveLength(1);
    expect(line(p, "RDS read replica")).toHaveLength(1);
    const pr = monthlyCost(preview);
    for (const item of ["NAT", "Application Load Balancer", "RDS", "AWS WAF", "KMS", "Secrets Manager", "CloudWatch alarms"]) expect(line(pr, item)).toEqual([]);
    expect(line(pr, "Shared platform of staging")[0]!.basis).toContain("pr_42");
  });

  it("raises prod's database line when Multi-AZ is switched on, and lowers it when switched off", () => {
    const single = monthlyCost(withEnv(prod, { database: { multiAz: false } }));
    const multi = monthlyCost(prod);
    expect(sum(multi, "RDS primary")).toBeCloseTo(2 * sum(single, "RDS primary"), 2);
    expect(sum(multi, "RDS storage")).toBeGreaterThan(sum(single, "RDS storage"));
    expect(multi.total).toBeGreaterThan(single.total);
  });

  it("lowers Fargate with Spot, and a service's own spotPercent beats the environment's", () => {
    const onDemand = monthlyCost(withEnv(staging, { app: { fargateSpotPercent: 0 } }));
    const halfSpot = monthlyCost(staging);
    const allSpot = monthlyCost(withEnv(staging, { app: { fargateSpotPercent: 100 } }));
    expect(sum(halfSpot, "Fargate")).toBeLessThan(sum(onDemand, "Fargate"));
    expect(sum(allSpot, "Fargate")).toBeLessThan(sum(halfSpot, "Fargate"));
    expect(sum(allSpot, "Fargate")).toBeCloseTo(sum(onDemand, "Fargate") * (1 - PRICES.fargateSpotDiscount.usd), 1);
    const backend = staging.services.backend!;
    expect(fargateLine("backend", { ...backend, spotPercent: 0 }, { app: { fargateSpotPercent: 100 } }).monthly).toBe(fargateLine("backend", backend, { app: { fargateSpotPercent: 0 } }).monthly);
  });

  it("follows the NAT mode, replicas, the backup plan and the WAF", () => {
    expect(sum(monthlyCost(withEnv(prod, { network: { nat: "single" } })), "NAT")).toBeCloseTo(sum(monthlyCost(prod), "NAT") / 3, 2);
    expect(sum(monthlyCost(withEnv(prod, { database: { readReplicas: 2 } })), "RDS read replicas")).toBeCloseTo(2 * sum(monthlyCost(prod), "RDS read replica"), 2);
    expect(sum(monthlyCost(withEnv(prod, { database: { backupPlan: { retentionDays: 35, copyToRegion: "us-west-2" } } })), "RDS backups")).toBeCloseTo(2 * sum(monthlyCost(prod), "RDS backups"), 2);
    expect(line(monthlyCost(withEnv(staging, { app: { waf: "off" } })), "AWS WAF")).toEqual([]);
  });

  it("says so in the line, instead of inventing a figure, for an instance class the table does not price", () => {
    const e = monthlyCost(withEnv(staging, { database: { instanceClass: "db.x2g.large" } }));
    expect(line(e, "RDS primary")[0]!.basis).toContain("NOT PRICED: no list price for db.x2g.large");
    expect(line(e, "RDS primary")[0]!.monthly).toBe(0);
  });

  it("prints a Markdown table with the total and the price date", () => {
    const text = formatCostEstimate(monthlyCost(staging), "staging");
    expect(text).toContain(`checked ${PRICE_DATE}`);
    expect(text).toContain("| RDS primary db.t4g.medium | 47.45 |");
    expect(text.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| item")).length).toBe(monthlyCost(staging).lines.length);
  });
});

describe("the price table", () => {
  it("dates, sources and rates every price", () => {
    for (const [name, p] of [...Object.entries(PRICES), ...Object.entries(RDS_POSTGRES_HOURLY)]) {
      expect({ name, ok: p.usd > 0 && p.unit.length > 0 && p.source.length > 0 && /^https:\/\/aws\.amazon\.com\//.test(p.awsPage) }).toEqual({ name, ok: true });
      expect(["aws-page", "secondary", "unverified"]).toContain(p.checked);
    }
  });

  it("prices bigger sizes of a priced family by the size factor, and nothing for an unpriced family", () => {
    expect(rdsHourly("db.r6g.2xlarge")!.usd).toBeCloseTo(4 * RDS_POSTGRES_HOURLY["db.r6g.large"]!.usd, 6);
    expect(rdsHourly("db.t4g.medium")!.usd).toBe(0.065);
    expect(rdsHourly("db.x2g.large")).toBeUndefined();
  });
});

describe("the configuration's inventory matches what the stacks declare", () => {
  // Synthesized once per environment (a few seconds each, no terraform).
  it.each([
    ["prod", prod],
    ["staging", staging],
    ["pr-42", preview],
  ] as const)("%s", (_name, env) => {
    const model = modelInventory(env);
    const real = inventoryFromSynth(synthEnv(env));
    const exact = (({ alarms: _a, alarmMetrics: _m, compositeAlarms: _c, ...rest }) => rest)(real);
    // Resource counts exactly; alarms within 10 % so a new alarm elsewhere shows here as a small drift to fold in.
    expect(model).toMatchObject(exact);
    for (const key of ["alarms", "alarmMetrics", "compositeAlarms"] as const)
      expect({ key, model: model[key], drift: Math.abs(model[key] - real[key]) <= Math.ceil(real[key] * 0.1) }).toEqual({ key, model: model[key], drift: true });
  });
});
