import type { AppConfig } from "./types";

/**
 * Facts about the app itself, the same in every environment: its request timeout, port,
 * migration task and health-check tool (services are declared in services.ts). Environments spread it and set only what
 * differs (Spot share, WAF limits), so changing the port or a path is a one-line edit.
 */
export const APP_DEFAULTS = {
  requestTimeoutSeconds: 25,
  idleTimeoutSeconds: 60,
  containerPort: 8080,
  ecrKeepImages: 30,
  migration: { service: "backend", command: ["npm", "run", "migrate"] },
  containerHealthCheck: "wget",
} as const satisfies Omit<AppConfig, "fargateSpotPercent" | "waf">;
