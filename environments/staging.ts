import { APP_DEFAULTS } from "./app-defaults";
import { CRON_JOBS } from "./cron-jobs";
import { SERVICES } from "./services";
import type { EnvironmentConfig } from "./types";

/**
 * Staging: same shape as prod at smaller scale, in its own account. Also the base every preview
 * derives from (previews share its network, ALB, cluster and database instance).
 */
export const staging: EnvironmentConfig = {
  name: "staging",
  appName: "shipkit",
  aws: {
    accountId: "222222222222",
    region: "us-east-1",
    deployRoleArn: "arn:aws:iam::222222222222:role/shipkit-deploy-staging",
    availabilityZones: ["us-east-1a", "us-east-1b"],
    stateBucket: "shipkit-terraform-state-222222222222",
  },
  network: { cidr: "10.20.0.0/16", nat: "single" },
  hostnames: { app: "staging.example.com", redirects: [] },
  cloudflare: { zone: "example.com", plan: "free" },
  app: {
    ...APP_DEFAULTS,
    fargateSpotPercent: 50,
    waf: { authRateLimitPer5Minutes: 300, authPathPrefix: "/backend/auth/" },
  },
  cron: { maintenance: "off", jobs: CRON_JOBS },
  // Open previews: `previews: { maxOpen }` defaults to what this ALB fits, 49 with two HTTP services
  // (100 target groups per ALB, not adjustable); previewCapacity(staging) shows the figures.
  safetyTier: "standard",
  // The declared sizes are staging's.
  services: SERVICES,
  // Fast SLO burns notify; no slow-burn tickets for staging (docs/observability.md).
  observability: { alerting: "notify", emails: [], webhooks: ["chat"], availabilityPercent: 99, budgetUsd: 400 },
  database: {
    engineVersion: "16",
    // Raise by one and deploy to rotate the master password (docs/database.md).
    masterPasswordVersion: 1,
    instanceClass: "db.t4g.medium",
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    readReplicas: 0,
    backupRetentionDays: 7,
    multiAz: false,
  },
};
