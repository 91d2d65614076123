import type { AppConfig } from "./types";

/**
 * Facts about the app itself, the same in every environment: its request timeout, health paths,
 * port, migration command and health-check tool. Environments spread it and set only what
 * differs (Spot share, WAF limits), so changing the port or a path is a one-line edit.
 */
export const APP_DEFAULTS = {
  requestTimeoutSeconds: 25,
  idleTimeoutSeconds: 60,
  healthCheckPaths: { web: "/healthz", backend: "/backend/healthz" },
  containerPort: 8080,
  ecrKeepImages: 30,
  migrationCommand: ["npm", "run", "migrate"],
  containerHealthCheck: "wget",
} as const satisfies Omit<AppConfig, "fargateSpotPercent" | "waf">;
