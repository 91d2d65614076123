import type { ServicesConfig } from "./service-schema";

/**
 * The app's services, declared once. Each environment takes them with `withOverrides(SERVICES,
 * { <service>: { size, spotPercent, ... } })` and changes only what differs; previews run every
 * service with one task on Spot under their own host.
 *
 * Declaration order is route evaluation order: narrower routes first, the catch-all last (a
 * catch-all declared before another HTTP service fails validation, naming both).
 *
 * Add a service: one entry here (README "Add a service"). A worker:
 *   `"report-worker": { kind: "worker", repository: "backend", command: ["npm", "run", "worker"],
 *     size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 4 }, database: "read", uploads: "none" }`
 */
export const SERVICES = {
  backend: {
    kind: "http",
    repository: "backend",
    route: { paths: ["/backend/*"] },
    healthCheckPath: "/backend/healthz",
    database: "write",
    // Only the backend signs upload forms and consumes upload events.
    uploads: "read-write",
    size: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 3 },
  },
  web: {
    kind: "http",
    repository: "web",
    route: {},
    healthCheckPath: "/healthz",
    database: "write",
    uploads: "none",
    size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 3 },
  },
} satisfies ServicesConfig;
