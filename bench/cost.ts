/**
 * `npm run bench:cost`: the modeled monthly cost of prod, staging and one preview (pr-42), line by
 * line, from lib/cost/estimate.ts `monthlyCost` and the dated price table lib/cost/prices.ts: the
 * same figures the plan summary prints. Pure arithmetic over the configuration (no synth, no
 * network): one run is enough (BENCH_RUNS does not apply). Flags prices not checked on the price
 * date, so a reader knows which figures to trust least.
 */
import { ephemeral, prod, staging } from "../environments";
import { COST_ASSUMPTIONS, formatCostEstimate, monthlyCost } from "../lib/cost/estimate";
import { PRICE_DATE, PRICE_REGION, PRICES, RDS_POSTGRES_HOURLY } from "../lib/cost/prices";

const preview = ephemeral(42);
const estimates = [prod, staging, preview].map((env) => ({ env, estimate: monthlyCost(env) }));

console.log(`Monthly cost estimate at ${PRICE_REGION} list prices checked ${PRICE_DATE} (usage charges excluded; logs and Prometheus at assumed volumes)\n`);
for (const { env, estimate } of estimates) console.log(`${formatCostEstimate(estimate, env.preview ? `${env.name} (preview: what it adds to staging)` : env.name)}\n`);

console.log("environment | $/month | $/day");
console.log("---|---:|---:");
for (const { env, estimate } of estimates) console.log(`${env.name} | ${estimate.total.toFixed(2)} | ${(estimate.total / (730 / 24)).toFixed(2)}`);

const staged = estimates[1]!.estimate.total;
const pr = estimates[2]!.estimate.total;
console.log(`\nA preview adds ${((pr / staged) * 100).toFixed(1)} % of staging's monthly cost.`);
console.log(`Assumptions: ${Object.entries(COST_ASSUMPTIONS).map(([k, v]) => `${k} = ${v}`).join(", ")}.`);
const unchecked = [...Object.entries(PRICES), ...Object.entries(RDS_POSTGRES_HOURLY)].filter(([, p]) => p.checked === "unverified").map(([name]) => name);
console.log(`Prices not re-checked on ${PRICE_DATE} (carried over from 2026-11): ${unchecked.join(", ")}.`);
