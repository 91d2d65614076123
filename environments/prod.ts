import { APP_DEFAULTS } from "./app-defaults";
import { CRON_JOBS } from "./cron-jobs";
import { withOverrides } from "./service-schema";
import { SERVICES } from "./services";
import type { EnvironmentConfig } from "./types";

/**
 * Production. Placeholder values (example.com, account 111111111111) plan cleanly offline;
 * replace them before pointing at a real account (README "Point it at real AWS and Cloudflare").
 */
export const prod: EnvironmentConfig = {
  name: "prod",
  appName: "shipkit",
  aws: {
    accountId: "111111111111",
    region: "us-east-1",
    deployRoleArn: "arn:aws:iam::111111111111:role/shipkit-deploy-prod",
    availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    stateBucket: "shipkit-terraform-state-111111111111",
  },
  network: { cidr: "10.10.0.0/16", nat: "per-az" },
  hostnames: { app: "www.example.com", redirects: ["example.com"] },
  cloudflare: { zone: "example.com", plan: "free" },
  app: {
    ...APP_DEFAULTS,
    fargateSpotPercent: 0,
    waf: { authRateLimitPer5Minutes: 100, authPathPrefix: "/backend/auth/" },
  },
  cron: { maintenance: "off", jobs: CRON_JOBS },
  safetyTier: "protected",
  services: withOverrides(SERVICES, {
    backend: { size: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 20 } },
    web: { size: { cpu: 512, memoryMiB: 1024, minTasks: 2, maxTasks: 10 } },
  }),
  // SLO burn-rate alarms page; budget alerts at 80 % / 100 % (docs/observability.md).
  observability: { alerting: "page", emails: ["oncall@example.com"], webhooks: ["pager"], availabilityPercent: 99.9, latency: { thresholdMs: 1000, percent: 99 }, budgetUsd: 2000 },
  database: {
    engineVersion: "16",
    // Raise by one and deploy to rotate the master password (docs/database.md).
    masterPasswordVersion: 1,
    instanceClass: "db.r6g.large",
    allocatedStorageGiB: 100,
    maxAllocatedStorageGiB: 500,
    readReplicas: 1,
    backupRetentionDays: 14,
    multiAz: true,
    backupPlan: { retentionDays: 35 },
  },
};
