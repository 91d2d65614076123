/**
 * `npm run bench:preview-cost`: modeled daily cost of one preview, from the preview's own config
 * (every declared service's size and Spot share) and AWS list prices, next to what a full copy of staging would cost.
 * Prices: the repository's one dated table, lib/cost/prices.ts (us-east-1 on demand; Fargate Spot
 * modeled at 70 % off, AWS quotes "up to 70%"). Usage charges (requests, bytes) are excluded: a
 * preview has little traffic. `npm run bench:cost` prints the full monthly estimate per environment.
 */
import { ephemeral, staging } from "../environments";
import type { EnvironmentConfig } from "../environments/types";
import { PRICE_DATE, PRICES, RDS_POSTGRES_HOURLY } from "../lib/cost/prices";

const PRICE = {
  fargateVcpuHour: PRICES.fargateVcpuHour.usd,
  fargateGbHour: PRICES.fargateGbHour.usd,
  spotDiscount: PRICES.fargateSpotDiscount.usd,
  natHour: PRICES.natGatewayHour.usd,
  albHour: PRICES.albHour.usd,
  /** db.t4g.medium single-AZ. */
  rdsT4gMediumHour: RDS_POSTGRES_HOURLY["db.t4g.medium"]!.usd,
  kmsKeyMonth: PRICES.kmsKeyMonth.usd,
} as const;

function fargatePerDay(env: EnvironmentConfig, spotOverride?: number): number {
  return Object.values(env.services).reduce((sum, s) => {
    const rate = 1 - ((spotOverride ?? s.spotPercent ?? env.app.fargateSpotPercent) / 100) * PRICE.spotDiscount;
    return sum + s.size.minTasks * ((s.size.cpu / 1024) * PRICE.fargateVcpuHour + (s.size.memoryMiB / 1024) * PRICE.fargateGbHour) * 24 * rate;
  }, 0);
}

const preview = ephemeral(42);
const ours = fargatePerDay(preview);
const fullCopy = fargatePerDay(staging, 0) + (PRICE.natHour + PRICE.albHour + PRICE.rdsT4gMediumHour) * 24 + PRICE.kmsKeyMonth / 30;
console.log(`preview pr-42 (shares staging's VPC, NAT, ALB, cluster, RDS instance; all Spot):`);
console.log(`  ${Object.entries(preview.services).map(([name, s]) => `${name} ${s.size.cpu / 1024} vCPU/${s.size.memoryMiB} MiB x ${s.size.minTasks}`).join(", ")}`);
console.log(`  modeled cost: $${ours.toFixed(2)}/day ($${(ours * 30).toFixed(2)}/month if left running)`);
console.log(`a full on-demand copy of staging per PR (own NAT, ALB, db.t4g.medium): $${fullCopy.toFixed(2)}/day`);
console.log(`ratio: ${(fullCopy / ours).toFixed(0)}x cheaper (us-east-1 list prices checked ${PRICE_DATE}, lib/cost/prices.ts)`);
