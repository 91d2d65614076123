/**
 * Connection settings for the app's PostgreSQL pools, from the environment variables the database
 * constructs set on each container (runtime/database-contract.ts, lib/data/database-access.ts):
 * host and port of the primary or the reader, database, user, `application_name`, an IAM auth
 * token signed per new connection as the password, and `verify-full` TLS against the RDS root
 * certificate authorities of the region. The app passes `process.env`; this module never reads it.
 *
 * IAM auth tokens (RDS IAM database authentication):
 * - A token is valid for 15 minutes, and only to open a connection: an open connection stays open
 *   after its token expires. pg calls `password` once for every new connection, so every new
 *   connection gets a freshly signed token and a long-lived pool never presents a stale one.
 * - Signing is local (SigV4 with the task role's credentials, no request to RDS), but RDS
 *   recommends fewer than 200 new IAM-authenticated connections per second per instance: use a
 *   `Pool` and keep connections open, do not connect per request.
 *
 * Tested via: test/runtime/database.test.ts (token shape with the real signer, config from every
 * workload's environment, real connections to PostgreSQL 16 as app_writer / app_reader / app_migrator).
 *
 * @example
 * import { Pool } from "pg";
 * import { databaseConfig } from "./runtime/database";
 *
 * // Writes (and reads that must see them) on the primary; a read-only workload gets the reader.
 * const db = new Pool({ ...databaseConfig(process.env), max: 10 });
 * // Long reads on the reader (replica) of a write workload.
 * const reports = new Pool(databaseConfig(process.env, { target: "reader" }));
 * const { rows } = await db.query("SELECT now()");
 */
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { Signer, type SignerConfig } from "@aws-sdk/rds-signer";
import { DATABASE_AUTH_IAM, DATABASE_ENV, DATABASE_SSLMODE, rdsRootCertificates } from "./database-contract";

export { DATABASE_ENV, DATABASE_AUTH_IAM, DATABASE_SSLMODE, rdsRootCertificates } from "./database-contract";

/** Which instance to connect to: the read-write primary, or the reader (replica, or the primary without one). */
export type DatabaseTarget = "primary" | "reader";

/** What a token is signed for: exactly the host, port and user of the connection, in the database's region. */
export interface DatabaseEndpoint {
  /** Host name of the instance (also the name its TLS certificate must carry). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Database user the connection logs in as. */
  readonly user: string;
  /** AWS region of the instance (the token's SigV4 scope). */
  readonly region: string;
}

/** Returns the password for one new connection to `endpoint` (normally a fresh IAM auth token). */
export type DatabaseTokenSource = (endpoint: DatabaseEndpoint) => Promise<string>;

/** AWS credentials the signer signs with: static keys or a provider. */
export type DatabaseSigningCredentials = SignerConfig["credentials"];

/** Options of `databaseConfig`; the defaults are the production behaviour. */
export interface DatabaseConfigOptions {
  /**
   * Instance to connect to. Asking for `primary` in a read-only workload (no `DATABASE_HOST`), or
   * for `reader` in the migration workload (no `DATABASE_READ_HOST`), throws.
   * @default "primary" when DATABASE_HOST is set, else "reader"
   */
  readonly target?: DatabaseTarget;
  /**
   * Credentials for the IAM token signer.
   * @default the AWS SDK's default provider chain (on ECS: the task role), resolved when the first connection opens
   */
  readonly credentials?: DatabaseSigningCredentials;
  /**
   * Replaces the IAM token signer (tests, local development): called once per new connection.
   * @default a fresh IAM auth token from `@aws-sdk/rds-signer` for the connection's endpoint
   */
  readonly token?: DatabaseTokenSource;
  /**
   * Replaces the TLS settings; `false` connects without TLS (a local test server only).
   * @default verify-full: `{ ca: rdsRootCertificates(region), rejectUnauthorized: true }`
   */
  readonly ssl?: false | ConnectionOptions;
}

/** A `pg` `ClientConfig` / `PoolConfig`: spread it and add pool settings (`max`, timeouts). */
export interface DatabaseConfig {
  /** Host of the target instance. */
  readonly host: string;
  /** Port of the target instance. */
  readonly port: number;
  /** Logical database (`DATABASE_NAME`). */
  readonly database: string;
  /** Database user (`DATABASE_USER`). */
  readonly user: string;
  /** Shown in `pg_stat_activity` (`PGAPPNAME`); absent when PGAPPNAME is not set. */
  readonly application_name?: string;
  /** Called by pg once per new connection: a freshly signed IAM auth token (valid 15 minutes). */
  readonly password: () => Promise<string>;
  /** TLS: the RDS root CAs of the region, certificate and host name verified (verify-full). */
  readonly ssl: false | ConnectionOptions;
}

/** A database setting is missing or malformed: the message names the variable, its value and the fix. Fail at startup. */
export class DatabaseSettingsError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = "DatabaseSettingsError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const FROM_CONSTRUCT = "the database constructs set it on the container (databaseAccess in lib/data/database-access.ts)";
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const shown = (value: string | undefined): string => (value === undefined ? "is not set" : `is ${JSON.stringify(value)}`);

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new DatabaseSettingsError(name, `is ${env[name] === undefined ? "not set" : "empty"}; ${FROM_CONSTRUCT}`);
  return value;
}

function hostOf(env: Env, name: string): string {
  const host = required(env, name);
  if (!HOST_NAME.test(host) && isIP(host) === 0)
    throw new DatabaseSettingsError(name, `${shown(env[name])}; expected a bare host name such as db.abc123.us-east-1.rds.amazonaws.com (no scheme, port or path)`);
  return host;
}

function portOf(env: Env, name: string): number {
  const raw = env[name]?.trim() ?? "";
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port < 1 || port > 65535)
    throw new DatabaseSettingsError(name, `${shown(env[name])}; expected the instance's TCP port, a whole number from 1 to 65535 (RDS: 5432)`);
  return port;
}

const certificatesByRegion = new Map<string, string[]>();

/** The RDS root CAs of `region`, validating the region on the way (parsing the bundle takes ~25 ms, so once per region). */
function regionCertificates(region: string): string[] {
  let certificates = certificatesByRegion.get(region);
  if (!certificates) {
    if (!/^[a-z]{2,}(-[a-z]+)+-\d+$/.test(region))
      throw new DatabaseSettingsError(DATABASE_ENV.region, `is ${JSON.stringify(region)}; expected the database's AWS region, e.g. us-east-1`);
    try {
      certificates = rdsRootCertificates(region);
    } catch (err) {
      throw new DatabaseSettingsError(DATABASE_ENV.region, `is ${JSON.stringify(region)}: ${(err as Error).message}`);
    }
    certificatesByRegion.set(region, certificates);
  }
  return certificates;
}

/**
 * A token source that signs IAM auth tokens for exactly `endpoint` with `@aws-sdk/rds-signer`.
 * One signer per endpoint: its credentials provider is resolved once and refreshed by the SDK
 * before expiry, so signing a token per connection costs no request. Each call signs a new token,
 * valid for 15 minutes from then.
 */
export function iamTokenSigner(endpoint: DatabaseEndpoint, credentials?: DatabaseSigningCredentials): () => Promise<string> {
  const signer = new Signer({ hostname: endpoint.host, port: endpoint.port, username: endpoint.user, region: endpoint.region, credentials });
  return () => signer.getAuthToken();
}

/** The endpoint `target` names in `env`, with the error a workload without it should see. */
function endpointOf(env: Env, target: DatabaseTarget | undefined): Pick<DatabaseEndpoint, "host" | "port"> {
  const hasPrimary = env[DATABASE_ENV.host] !== undefined;
  const hasReader = env[DATABASE_ENV.readHost] !== undefined;
  // Validate every endpoint the workload was given, not only the one asked for: a bad value fails at startup.
  const primary = hasPrimary ? { host: hostOf(env, DATABASE_ENV.host), port: portOf(env, DATABASE_ENV.port) } : undefined;
  const reader = hasReader ? { host: hostOf(env, DATABASE_ENV.readHost), port: portOf(env, DATABASE_ENV.readPort) } : undefined;
  const wanted = target ?? (primary ? "primary" : "reader");
  if (wanted === "primary") {
    if (primary) return primary;
    if (reader)
      throw new DatabaseSettingsError(
        DATABASE_ENV.host,
        `is not set: this workload has read access only (its database access is "read", so it gets ${DATABASE_ENV.readHost}); connect with target "reader", or give the workload write access`,
      );
  } else if (wanted === "reader") {
    if (reader) return reader;
    if (primary)
      throw new DatabaseSettingsError(
        DATABASE_ENV.readHost,
        `is not set: this workload (the migration task) connects to the primary only; connect with target "primary"`,
      );
  } else {
    throw new Error(`target is ${JSON.stringify(wanted)}; expected "primary" or "reader"`);
  }
  throw new DatabaseSettingsError(`${DATABASE_ENV.host} / ${DATABASE_ENV.readHost}`, `are both not set; ${FROM_CONSTRUCT}`);
}

/**
 * The `pg` connection settings (`ClientConfig` / `PoolConfig`) of this workload's database, read
 * and validated from `env` (pass `process.env`). Call it once at startup: a missing or malformed
 * setting throws a `DatabaseSettingsError` naming the variable, its value and the fix.
 *
 * - Target: the primary (`DATABASE_HOST`/`DATABASE_PORT`) when the workload has one, else the
 *   reader (`DATABASE_READ_HOST`/`DATABASE_READ_PORT`); `options.target` chooses explicitly.
 * - `password` is a function, which pg calls for every new connection: it signs a fresh IAM auth
 *   token for exactly this host, port, user and region (`DATABASE_REGION`). A token lives
 *   15 minutes and only authenticates new connections; open connections are not affected by its
 *   expiry. RDS recommends fewer than 200 new IAM-authenticated connections per second, so use a
 *   `Pool` and keep its connections open.
 * - `ssl` trusts only the RDS root certificate authorities of the region and rejects any other
 *   certificate; Node's TLS also checks the certificate carries the host name (pg sends the host as
 *   SNI), which is libpq's `verify-full`. `servername` is left unset on purpose.
 *
 * @example
 * const pool = new Pool(databaseConfig(process.env));
 * const { rows } = await pool.query("SELECT id, name FROM items WHERE id = $1", [id]);
 */
export function databaseConfig(env: Env, options: DatabaseConfigOptions = {}): DatabaseConfig {
  const user = required(env, DATABASE_ENV.user);
  const database = required(env, DATABASE_ENV.name);
  const auth = env[DATABASE_ENV.auth];
  if (auth?.trim() !== DATABASE_AUTH_IAM)
    throw new DatabaseSettingsError(DATABASE_ENV.auth, `${shown(auth)}; only "${DATABASE_AUTH_IAM}" (IAM database authentication) is supported: ${FROM_CONSTRUCT}`);
  const sslMode = env[DATABASE_ENV.sslMode];
  if (sslMode !== undefined && sslMode.trim() !== DATABASE_SSLMODE)
    throw new DatabaseSettingsError(DATABASE_ENV.sslMode, `${shown(sslMode)}; only "${DATABASE_SSLMODE}" is supported (the RDS certificate and host name are always verified); unset it or set it to "${DATABASE_SSLMODE}"`);
  const region = required(env, DATABASE_ENV.region);
  const certificates = regionCertificates(region);
  const endpoint: DatabaseEndpoint = { ...endpointOf(env, options.target), user, region };

  const { token: tokenSource } = options;
  const source: () => Promise<string> = tokenSource ? () => tokenSource(endpoint) : iamTokenSigner(endpoint, options.credentials);
  const password = async (): Promise<string> => {
    let token: unknown;
    try {
      token = await source();
    } catch (err) {
      throw new Error(`could not sign an IAM auth token for ${user}@${endpoint.host}:${endpoint.port} in ${region}: ${(err as Error).message}`, { cause: err });
    }
    if (typeof token !== "string" || token === "") throw new Error(`the token source for ${user}@${endpoint.host}:${endpoint.port} returned no token`);
    return token;
  };
  const applicationName = env.PGAPPNAME?.trim();
  return {
    host: endpoint.host,
    port: endpoint.port,
    database,
    user,
    ...(applicationName ? { application_name: applicationName } : {}),
    password,
    ssl: options.ssl ?? { ca: certificates, rejectUnauthorized: true },
  };
}
