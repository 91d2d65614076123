import type { ServicesConfig } from "./service-schema";

/**
 * The app's services, declared once. Each environment takes them with `withOverrides(SERVICES,
 * { <service>: { size, spotPercent, ... } })` and changes only what differs; previews run every
 * service with one task on Spot under their own host.
 *
 * Listener priorities are derived and stable (lib/compute/route-plan.ts): a path or host route
 * gets a slot from its name, a catch-all the top of the band; previews use declaration order, so
 * declare narrower routes first and the catch-all last. Conflicts fail validation, naming both.
 *
 * Add a service: one entry here (README "Add a service"). A worker:
 *   `"report-worker": { kind: "worker", repository: "backend", command: ["npm", "run", "worker"],
 *     size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 4 }, database: "read", uploads: "none" }`
 */
export const SERVICES = {
  backend: {
    kind: "http",
    repository: "backend",
    // Pinned to the listener priority deployments already have: AWS replaces a rule whose priority changes.
    route: { paths: ["/backend/*"], priority: 49000 },
    healthCheckPath: "/backend/healthz",
    database: "write",
    // Only the backend signs upload forms and consumes upload events.
    uploads: "read-write",
    size: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 3 },
    // Prometheus metrics on a separate port, scraped by a collector sidecar (docs/observability.md).
    metrics: { port: 9464 },
  },
  web: {
    kind: "http",
    repository: "web",
    route: { priority: 49001 },
    healthCheckPath: "/healthz",
    database: "write",
    uploads: "none",
    size: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 3 },
  },
} satisfies ServicesConfig;
