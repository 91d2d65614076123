/**
 * runtime/database.ts: the pg settings an app builds from the environment the database constructs
 * set (the environments below come from databaseAccess itself, so the two sides cannot drift).
 * - IAM tokens from the real @aws-sdk/rds-signer with static fake credentials (signing is local:
 *   nothing here resolves credentials from the environment or reaches the network).
 * - Config from each workload's environment, and the errors bad settings raise.
 * - Real connections to PostgreSQL 16 (test/db/postgres-server.ts) set up by BOOTSTRAP_SQL, with a
 *   role password standing in for the IAM token; the server must start, nothing is skipped.
 * - verify-full against a real TLS server (a throwaway CA, a certificate for `localhost` only): the
 *   chain and the host name are both checked, before any token is asked for.
 */
import { X509Certificate } from "node:crypto";
import { Client, Pool, type DatabaseError, type PoolClient, type PoolConfig } from "pg";
import { databaseAccess } from "../../lib/data/database-access";
import type { DbConnection, DbEndpoints } from "../../lib/data/database-connection";
import { APP_DATABASE_USERS, BOOTSTRAP_SQL, type DatabaseUserKind } from "../../lib/data/database-roles";
import {
  DatabaseSettingsError,
  databaseConfig,
  iamTokenSigner,
  rdsRootCertificates,
  type DatabaseConfig,
  type DatabaseEndpoint,
} from "../../runtime/database";
import { APP_DATABASE, MASTER_USER, startPostgres, type TestPostgres, type TlsTestPostgres } from "../db/postgres-server";

const CREDENTIALS = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" };
const REGION = "us-east-1";
const PRIMARY_HOST = "shop-db.c9akciq32.us-east-1.rds.amazonaws.com";
const READER_HOST = "shop-db-replica-1.c9akciq32.us-east-1.rds.amazonaws.com";
const APP_NAME = "shop-web";

type Env = Record<string, string | undefined>;

function endpointsAt(primary: { host: string; port: number }, reader: { host: string; port: number }, region = REGION): DbEndpoints {
  const connection = (e: { host: string; port: number }): DbConnection => ({
    ...e,
    databaseName: APP_DATABASE,
    connectArnPrefix: `arn:aws:rds-db:${region}:123456789012:dbuser:db-ABC`,
    securityGroupId: "sg-0123",
  });
  return { primary: connection(primary), reader: connection(reader), users: APP_DATABASE_USERS, region };
}

/** The container environment the constructs give a workload with this access. */
function envFor(access: DatabaseUserKind, endpoints = endpointsAt({ host: PRIMARY_HOST, port: 5432 }, { host: READER_HOST, port: 6543 })): Env {
  return { ...databaseAccess(endpoints, access, APP_NAME).environment };
}

/** A token parsed back into its parts (it is a presigned URL without the scheme). */
function parseToken(token: string) {
  expect(token).not.toMatch(/^https?:/);
  const url = new URL(`https://${token}`);
  return { host: url.hostname, port: url.port, path: url.pathname, params: url.searchParams };
}

/** Fake only Date (the signer's clock); promises and timers stay real. */
function fakeClock(now: Date): void {
  jest.useFakeTimers({
    now,
    doNotFake: ["hrtime", "nextTick", "performance", "queueMicrotask", "setImmediate", "clearImmediate", "setInterval", "clearInterval", "setTimeout", "clearTimeout"],
  });
}

describe("IAM auth tokens (the real @aws-sdk/rds-signer, static credentials)", () => {
  afterEach(() => jest.useRealTimers());

  test("a token is a presigned rds-db:connect URL for exactly the host, port, user and region, valid 900 s", async () => {
    fakeClock(new Date("2025-03-04T05:06:07Z"));
    const config = databaseConfig(envFor("write"), { credentials: CREDENTIALS });
    const token = parseToken(await config.password());

    expect({ host: token.host, port: token.port, path: token.path }).toEqual({ host: PRIMARY_HOST, port: "5432", path: "/" });
    const p = token.params;
    expect(p.get("Action")).toBe("connect");
    expect(p.get("DBUser")).toBe("app_writer");
    expect(p.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(p.get("X-Amz-Credential")).toBe(`AKIAEXAMPLE/20250304/${REGION}/rds-db/aws4_request`);
    expect(p.get("X-Amz-Date")).toBe("20250304T050607Z");
    expect(p.get("X-Amz-Expires")).toBe("900");
    expect(p.get("X-Amz-SignedHeaders")).toBe("host");
    expect(p.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    // The credential scope is URL-encoded in the raw token, as RDS expects.
    expect(await config.password()).toContain("X-Amz-Credential=AKIAEXAMPLE%2F20250304%2Fus-east-1%2Frds-db%2Faws4_request");
  });

  test("the reader config signs for the reader's host and port; a read workload for app_reader", async () => {
    const writerOnReader = parseToken(await databaseConfig(envFor("write"), { target: "reader", credentials: CREDENTIALS }).password());
    expect([writerOnReader.host, writerOnReader.port, writerOnReader.params.get("DBUser")]).toEqual([READER_HOST, "6543", "app_writer"]);
    const reader = parseToken(await databaseConfig(envFor("read"), { credentials: CREDENTIALS }).password());
    expect([reader.host, reader.port, reader.params.get("DBUser")]).toEqual([READER_HOST, "6543", "app_reader"]);
  });

  test("the region of DATABASE_REGION is the token's scope", async () => {
    const env = envFor("migration", endpointsAt({ host: "db.eu.example", port: 5432 }, { host: "r.eu.example", port: 5432 }, "eu-west-1"));
    const token = parseToken(await databaseConfig(env, { credentials: CREDENTIALS }).password());
    expect(token.params.get("X-Amz-Credential")).toMatch(/^AKIAEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/);
    expect(token.params.get("DBUser")).toBe("app_migrator");
  });

  test("every call signs a new token: a later clock gives a new date and signature", async () => {
    fakeClock(new Date("2025-03-04T05:06:07Z"));
    const { password } = databaseConfig(envFor("write"), { credentials: CREDENTIALS });
    const first = await password();
    expect(await password()).toBe(first); // same second, same inputs: SigV4 is deterministic
    jest.setSystemTime(new Date("2025-03-04T05:20:00Z"));
    const later = await password();
    expect(later).not.toBe(first);
    expect(parseToken(later).params.get("X-Amz-Date")).toBe("20250304T052000Z");
    expect(parseToken(later).params.get("X-Amz-Signature")).not.toBe(parseToken(first).params.get("X-Amz-Signature"));
  });

  test("iamTokenSigner signs for the endpoint it is given", async () => {
    const endpoint: DatabaseEndpoint = { host: "10.0.3.7", port: 15432, user: "pr_42", region: "ap-southeast-2" };
    const token = parseToken(await iamTokenSigner(endpoint, CREDENTIALS)());
    expect([token.host, token.port, token.params.get("DBUser")]).toEqual(["10.0.3.7", "15432", "pr_42"]);
    expect(token.params.get("X-Amz-Credential")).toContain("/ap-southeast-2/rds-db/aws4_request");
  });

  test("a signing failure names the user, endpoint and region", async () => {
    const config = databaseConfig(envFor("write"), {
      credentials: () => Promise.reject(new Error("Could not load credentials from any providers")),
    });
    await expect(config.password()).rejects.toThrow(
      `could not sign an IAM auth token for app_writer@${PRIMARY_HOST}:5432 in ${REGION}: Could not load credentials from any providers`,
    );
  });
});

describe("databaseConfig: settings from the workload's environment", () => {
  test("write workload: the primary by default, user, database, application_name, verify-full TLS with the region's RDS CAs", () => {
    const config = databaseConfig(envFor("write"));
    const asPoolConfig: PoolConfig = config; // compile-time check: it is a pg PoolConfig as-is
    expect(asPoolConfig).toBe(config);
    expect(config).toEqual({
      host: PRIMARY_HOST,
      port: 5432,
      database: "app",
      user: "app_writer",
      application_name: APP_NAME,
      password: expect.any(Function),
      ssl: { ca: rdsRootCertificates(REGION), rejectUnauthorized: true },
    });
    const ssl = config.ssl as { ca: string[] };
    const subjects = ssl.ca.map((pem) => new X509Certificate(pem).subject).sort();
    expect(subjects).toEqual(["ECC384", "RSA2048", "RSA4096"].map((kind) => expect.stringContaining(`CN=Amazon RDS ${REGION} Root CA ${kind} G1`)));
    // pg sets the SNI / checked name from host; nothing may override or weaken the check.
    expect(Object.keys(ssl).sort()).toEqual(["ca", "rejectUnauthorized"]);
  });

  test("target reader: the reader's host and port, same user", () => {
    expect(databaseConfig(envFor("write"), { target: "reader" })).toMatchObject({ host: READER_HOST, port: 6543, user: "app_writer" });
  });

  test("read workload: the reader by default; asking for the primary throws naming DATABASE_HOST", () => {
    const env = envFor("read");
    expect(env.DATABASE_HOST).toBeUndefined();
    expect(databaseConfig(env)).toMatchObject({ host: READER_HOST, port: 6543, user: "app_reader", database: "app" });
    expect(databaseConfig(env, { target: "reader" }).host).toBe(READER_HOST);
    expect(() => databaseConfig(env, { target: "primary" })).toThrow(/^DATABASE_HOST is not set: this workload has read access only/);
  });

  test("migration workload: the primary; asking for the reader throws naming DATABASE_READ_HOST", () => {
    const env = envFor("migration");
    expect(databaseConfig(env)).toMatchObject({ host: PRIMARY_HOST, port: 5432, user: "app_migrator" });
    expect(() => databaseConfig(env, { target: "reader" })).toThrow(/^DATABASE_READ_HOST is not set: .*connects to the primary only/);
  });

  test("a region's CAs follow DATABASE_REGION; ssl can be overridden; no PGAPPNAME leaves application_name out", () => {
    const env = { ...envFor("write"), DATABASE_REGION: "eu-central-1", PGAPPNAME: undefined };
    const config = databaseConfig(env);
    expect(config.ssl).toEqual({ ca: rdsRootCertificates("eu-central-1"), rejectUnauthorized: true });
    expect(config.ssl).not.toEqual({ ca: rdsRootCertificates(REGION), rejectUnauthorized: true });
    expect(config).not.toHaveProperty("application_name");
    expect(databaseConfig(env, { ssl: false }).ssl).toBe(false);
  });

  const write = envFor("write");
  const read = envFor("read");
  test.each<[string, Env, RegExp]>([
    ["no DATABASE_USER", { ...write, DATABASE_USER: undefined }, /^DATABASE_USER is not set; the database constructs set it/],
    ["empty DATABASE_USER", { ...write, DATABASE_USER: " " }, /^DATABASE_USER is empty; /],
    ["no DATABASE_NAME", { ...write, DATABASE_NAME: undefined }, /^DATABASE_NAME is not set; /],
    ["no DATABASE_AUTH", { ...write, DATABASE_AUTH: undefined }, /^DATABASE_AUTH is not set; only "iam" \(IAM database authentication\) is supported/],
    ["DATABASE_AUTH password", { ...write, DATABASE_AUTH: "password" }, /^DATABASE_AUTH is "password"; only "iam"/],
    ["DATABASE_SSLMODE require", { ...write, DATABASE_SSLMODE: "require" }, /^DATABASE_SSLMODE is "require"; only "verify-full" is supported/],
    ["no DATABASE_REGION", { ...write, DATABASE_REGION: undefined }, /^DATABASE_REGION is not set; /],
    ["DATABASE_REGION not a region", { ...write, DATABASE_REGION: "US East" }, /^DATABASE_REGION is "US East"; expected the database's AWS region, e.g. us-east-1/],
    ["DATABASE_REGION without RDS CAs", { ...write, DATABASE_REGION: "mars-north-1" }, /^DATABASE_REGION is "mars-north-1": no RDS root certificate authority .*check the region name/],
    ["DATABASE_PORT not a number", { ...write, DATABASE_PORT: "postgres" }, /^DATABASE_PORT is "postgres"; expected .*a whole number from 1 to 65535/],
    ["DATABASE_PORT 0", { ...write, DATABASE_PORT: "0" }, /^DATABASE_PORT is "0"; expected/],
    ["DATABASE_PORT 65536", { ...write, DATABASE_PORT: "65536" }, /^DATABASE_PORT is "65536"; expected/],
    ["DATABASE_PORT fractional", { ...write, DATABASE_PORT: "5432.5" }, /^DATABASE_PORT is "5432.5"; expected/],
    ["DATABASE_PORT missing beside DATABASE_HOST", { ...write, DATABASE_PORT: undefined }, /^DATABASE_PORT is not set; expected/],
    ["bad DATABASE_READ_PORT, even when the primary is asked for", { ...write, DATABASE_READ_PORT: "-1" }, /^DATABASE_READ_PORT is "-1"; expected/],
    ["DATABASE_HOST with scheme and port", { ...write, DATABASE_HOST: "postgres://db:5432" }, /^DATABASE_HOST is "postgres:\/\/db:5432"; expected a bare host name/],
    ["read workload without DATABASE_READ_HOST", { ...read, DATABASE_READ_HOST: undefined }, /^DATABASE_HOST \/ DATABASE_READ_HOST are both not set; /],
  ])("%s throws naming the variable, its value and the fix", (_name, env, message) => {
    let error: unknown;
    try {
      databaseConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseSettingsError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("real connections to PostgreSQL 16 (role passwords stand in for IAM tokens)", () => {
  let server: TestPostgres;
  const pools: Pool[] = [];
  const passwords: Record<string, string> = {};
  const tokenCalls: DatabaseEndpoint[] = [];

  beforeAll(async () => {
    server = await startPostgres(); // throws (fails every test below) when the server cannot start
    const bootstrap = await server.psql(BOOTSTRAP_SQL, { user: MASTER_USER, password: server.masterPassword, database: APP_DATABASE });
    expect({ code: bootstrap.code, stderr: bootstrap.code === 0 ? "" : bootstrap.stderr }).toEqual({ code: 0, stderr: "" });
    for (const role of Object.values(APP_DATABASE_USERS)) {
      passwords[role] = `token-for-${role}`;
      await server.setPassword(role, passwords[role]);
    }
  });

  afterAll(async () => {
    try {
      // pool.end() waits for checked-out clients; a failed test must not hang the file.
      await Promise.race([Promise.all(pools.map((p) => p.end().catch(() => undefined))), new Promise((r) => setTimeout(r, 5000).unref())]);
    } finally {
      await server?.stop();
    }
  });

  /** A pool from the workload's environment pointed at the local server, tokens from `passwords`. */
  function poolFor(access: DatabaseUserKind, ssl?: false): { pool: Pool; config: DatabaseConfig } {
    const local = { host: server.host, port: server.port };
    const config = databaseConfig(envFor(access, endpointsAt(local, local)), {
      token: async (endpoint) => {
        tokenCalls.push(endpoint);
        return passwords[endpoint.user] ?? "unknown";
      },
      ssl,
    });
    const pool = new Pool({ ...config, max: 5 });
    pool.on("error", () => undefined); // idle clients terminated at shutdown
    pools.push(pool);
    return { pool, config };
  }

  test("migration, then write: app_migrator creates a table, app_writer inserts and reads it back, named by PGAPPNAME", async () => {
    const migrator = poolFor("migration", false).pool;
    await migrator.query("CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)");
    expect((await migrator.query("SELECT current_user AS u")).rows).toEqual([{ u: "app_migrator" }]);

    const { pool } = poolFor("write", false);
    const inserted = await pool.query<{ id: string }>("INSERT INTO items (name) VALUES ($1) RETURNING id", ["first"]);
    expect(inserted.rowCount).toBe(1);
    const { rows } = await pool.query("SELECT name, current_user AS who, current_setting('application_name') AS app FROM items");
    expect(rows).toEqual([{ name: "first", who: "app_writer", app: APP_NAME }]);
    const [activity] = (await pool.query("SELECT usename, application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")).rows;
    expect(activity).toEqual({ usename: "app_writer", application_name: APP_NAME });
  });

  test("the token source is called once per new connection, with that connection's endpoint", async () => {
    const { pool } = poolFor("write", false);
    const before = tokenCalls.length;
    const clients: PoolClient[] = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      expect(tokenCalls.length - before).toBe(3);
      expect(tokenCalls.slice(before)).toEqual(Array(3).fill({ host: server.host, port: server.port, user: "app_writer", region: REGION }));
    } finally {
      clients.forEach((c) => c.release());
    }
    // Reusing the pool's open connections needs no new token.
    await Promise.all([pool.query("SELECT 1"), pool.query("SELECT 1"), pool.query("SELECT 1")]);
    expect(tokenCalls.length - before).toBe(3);
    // A connection the pool opens later gets its own call.
    const fresh = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
    try {
      expect(tokenCalls.length - before).toBe(4);
    } finally {
      fresh.forEach((c) => c.release());
    }
  });

  test("read workload: app_reader reads on the reader and cannot insert", async () => {
    const { pool, config } = poolFor("read", false);
    expect(config.user).toBe("app_reader");
    expect((await pool.query("SELECT name, current_user AS who FROM items")).rows).toEqual([{ name: "first", who: "app_reader" }]);
    const error: DatabaseError = await pool.query("INSERT INTO items (name) VALUES ('nope')").then(
      () => {
        throw new Error("app_reader inserted a row");
      },
      (err: DatabaseError) => err,
    );
    expect(error.code).toBe("25006"); // read_only_sql_transaction
  });

  test("the default TLS never falls back to plaintext: a server without TLS is refused before any token is asked for", async () => {
    const { pool } = poolFor("write");
    const before = tokenCalls.length;
    await expect(pool.query("SELECT 1")).rejects.toThrow("The server does not support SSL connections");
    expect(tokenCalls.length).toBe(before);
  });
});

describe("verify-full on a real TLS server (a throwaway CA, a certificate for DNS:localhost only)", () => {
  let server: TlsTestPostgres | undefined;
  const password = "token-for-app_writer-over-tls";

  beforeAll(async () => {
    server = await startPostgres({ tls: true }); // throws (fails every test below) when openssl or the server is missing
    const bootstrap = await server.psql(BOOTSTRAP_SQL, { user: MASTER_USER, password: server.masterPassword, database: APP_DATABASE });
    expect({ code: bootstrap.code, stderr: bootstrap.code === 0 ? "" : bootstrap.stderr }).toEqual({ code: 0, stderr: "" });
    await server.setPassword(APP_DATABASE_USERS.write, password);
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** A client from the write workload's environment pointed at `host` (the server's port), counting token calls. */
  function clientAt(host: string, ssl?: DatabaseConfig["ssl"]): { client: Client; tokenCalls: DatabaseEndpoint[] } {
    const tokenCalls: DatabaseEndpoint[] = [];
    const at = { host, port: server!.port };
    const config = databaseConfig(envFor("write", endpointsAt(at, at)), {
      token: async (endpoint) => {
        tokenCalls.push(endpoint);
        return password;
      },
      ...(ssl === undefined ? {} : { ssl }),
    });
    const client = new Client({ ...config, connectionTimeoutMillis: 10_000 });
    client.on("error", () => undefined); // a late socket error must not crash the worker
    return { client, tokenCalls };
  }

  /** Closes a client whether it connected or not; never waits more than 5 s (a failed handshake may leave nothing to end). */
  async function close(client: Client): Promise<void> {
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  /** The error `client.connect()` rejects with (fails the test when it connects). */
  async function connectError(client: Client): Promise<NodeJS.ErrnoException> {
    return client.connect().then(
      () => {
        throw new Error("connected, but verify-full should have refused this server");
      },
      (err: NodeJS.ErrnoException) => err,
    );
  }

  test("host localhost with the test CA: connects over TLS as app_writer, the token asked for once", async () => {
    const { client, tokenCalls } = clientAt("localhost", { ca: [server!.tlsCa], rejectUnauthorized: true });
    try {
      await client.connect();
      const { rows } = await client.query("SELECT ssl, current_user AS who FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
      expect(rows).toEqual([{ ssl: true, who: "app_writer" }]);
      expect(tokenCalls).toEqual([{ host: "localhost", port: server!.port, user: "app_writer", region: REGION }]);
    } finally {
      await close(client);
    }
  });

  test("host 127.0.0.1 (not in the certificate) with the same CA: refused for the host name, no token asked for", async () => {
    const { client, tokenCalls } = clientAt("127.0.0.1", { ca: [server!.tlsCa], rejectUnauthorized: true });
    try {
      const error = await connectError(client);
      expect(error.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(error.message).toMatch(/Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list/);
      expect(tokenCalls).toEqual([]);
    } finally {
      await close(client);
    }
  });

  test("host localhost with the default TLS (the region's RDS root CAs): the test CA is not trusted, no token asked for", async () => {
    const { client, tokenCalls } = clientAt("localhost");
    try {
      const error = await connectError(client);
      // The server sends its leaf only, so Node cannot find its issuer among the RDS CAs.
      expect(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]).toContain(error.code);
      expect(tokenCalls).toEqual([]);
    } finally {
      await close(client);
    }
  });
});
