import { PREVIEW_BASE, previewHostname } from "./schema";
import { staging } from "./staging";
import { previewDeployRoleArn } from "./bootstrap";
import type { EnvironmentConfig } from "./types";

import { MAX_PR_NUMBER } from "../lib/data/preview-database-tasks";

/** Highest PR number accepted: keeps `pr-<n>-staging.<zone>` and every physical name short. */
export { MAX_PR_NUMBER };

/**
 * A preview environment for pull request `pr`, derived from staging: same account, region and
 * shared network; unprotected; one task per service. Its hostname stays one label below the zone
 * (`pr-42-staging.example.com`) so Cloudflare's free certificate covers it.
 */
export function ephemeral(pr: number, base: EnvironmentConfig = staging): EnvironmentConfig {
  return {
    ...base,
    name: `pr-${pr}`,
    // Previews deploy with their own role (pull_request runs, pr-* state keys only): stacks/bootstrap-stack.ts.
    aws: { ...base.aws, deployRoleArn: previewDeployRoleArn(base) },
    hostnames: { app: previewHostname(pr, base.cloudflare.zone), redirects: [] },
    safetyTier: "ephemeral",
    // Previews sit behind staging's ALB (and its WAF); all-Spot keeps them at cents per day.
    app: { ...base.app, fargateSpotPercent: 100, waf: "off" },
    // Every service, one task, all on Spot.
    services: Object.fromEntries(Object.entries(base.services).map(([name, s]) => [name, { ...s, size: { ...s.size, minTasks: 1, maxTasks: 1 }, spotPercent: 100 }])),
    // Previews own no instance (a logical database pr_<n> on staging's): no replicas, standby, backup plan or restore.
    database: { ...base.database, readReplicas: 0, multiAz: false, backupPlan: undefined, restoreFrom: undefined },
    // No SLO alarms, subscriptions or budget of its own: a preview's noise would page staging's on-call.
    observability: { ...base.observability, alerting: "off", emails: [], budgetUsd: undefined },
    // Cron is off in previews unless a job lists "preview"; the maintenance switch follows the base (they share its database).
    cron: base.cron,
    // The base's transforms name the base's resources (database/primary, ...), which a preview does not have.
    transforms: undefined,
    preview: { prNumber: pr, base: PREVIEW_BASE },
  };
}
