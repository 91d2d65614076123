/**
 * The SQL of lib/data/database-roles.ts on a real PostgreSQL 16, run by the real psql as the RDS-like
 * master user `app_admin` (not a superuser), as the db-bootstrap, db-init and db-drop tasks do.
 * Asserts behaviour: exit codes, SQLSTATEs, catalog rows. One server for the whole file
 * (test/db/postgres-server.ts); the tests run in order and build on each other.
 */
import { spawnSync } from "node:child_process";
import type { DatabaseError } from "pg";
import { psqlScript } from "../../lib/data/database-admin-tasks";
import { PREVIEW_DATABASE_SCRIPTS } from "../../lib/data/preview-database-tasks";
import {
  ADOPT_PUBLIC_SQL,
  APP_DATABASE_USERS,
  APP_SCHEMA,
  BOOTSTRAP_SQL,
  PREVIEW_DROP_SQL,
  PREVIEW_INIT_SQL,
  PREVIEW_SCHEMA_SQL,
} from "../../lib/data/database-roles";
import { APP_DATABASE, MASTER_USER, startPostgres, type PsqlOptions, type PsqlResult, type TestClient, type TestPostgres } from "./postgres-server";

const { migration: MIGRATOR, write: WRITER, read: READER } = APP_DATABASE_USERS;
const APP_ROLES = [MIGRATOR, WRITER, READER];
const INSUFFICIENT_PRIVILEGE = "42501";
const READ_ONLY_TRANSACTION = "25006";
const ADMIN_SHUTDOWN = "57P01";

let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

/** psql as the master user on `database`. */
function asMaster(script: string, database: string, vars?: Record<string, string>): Promise<PsqlResult> {
  const opts: PsqlOptions = { user: MASTER_USER, password: server.masterPassword, database, vars };
  return server.psql(script, opts);
}

/** Expects psql to have exited 0 (the failure message shows its stderr). */
function expectSuccess(result: PsqlResult): void {
  expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({ code: 0, stderr: "" });
}

/** Test password of a role (stands in for its IAM token), set once. */
const passwords = new Map<string, string>();
async function passwordOf(role: string): Promise<string> {
  let pw = passwords.get(role);
  if (!pw) {
    pw = `test-${role}-pw`;
    await server.setPassword(role, pw);
    passwords.set(role, pw);
  }
  return pw;
}

/** Connects as `role` to `database`, runs `fn`, disconnects. */
async function as<T>(role: string, database: string, fn: (c: TestClient) => Promise<T>): Promise<T> {
  const c = await server.client(role, await passwordOf(role), database);
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The PostgreSQL error a promise rejects with (fails the test if it resolves). */
async function pgError(promise: Promise<unknown>): Promise<DatabaseError> {
  try {
    await promise;
  } catch (err) {
    return err as DatabaseError;
  }
  throw new Error("expected a PostgreSQL error, but the statement succeeded");
}

/** Runs `sql` in its own transaction on `c`, rolled back whatever happens; resolves with its error, if any. */
async function errorIn(c: TestClient, sql: string, begin = "BEGIN"): Promise<DatabaseError> {
  await c.query(begin);
  try {
    return await pgError(c.query(sql));
  } finally {
    await c.query("ROLLBACK");
  }
}

const names = async (sql: string, database = "postgres"): Promise<string[]> =>
  (await server.superQuery<{ name: string }>(sql, [], database)).map((r) => r.name);
const roleNames = () => names("SELECT rolname AS name FROM pg_roles ORDER BY 1");
const databaseNames = () => names("SELECT datname AS name FROM pg_database ORDER BY 1");

describe("BOOTSTRAP_SQL (db-bootstrap, as the master user on database app)", () => {
  test("exits 0 and creates the three IAM users, the schema app owned by the migrator", async () => {
    expectSuccess(await asMaster(BOOTSTRAP_SQL, APP_DATABASE));

    const roles = await server.superQuery<{ rolname: string; rolcanlogin: boolean; rolsuper: boolean; iam: boolean; rolpassword: string | null }>(
      `SELECT rolname, rolcanlogin, rolsuper, pg_has_role(rolname, 'rds_iam', 'MEMBER') AS iam, rolpassword
       FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname`,
      [APP_ROLES],
    );
    expect(roles).toEqual(
      [...APP_ROLES].sort().map((rolname) => ({ rolname, rolcanlogin: true, rolsuper: false, iam: true, rolpassword: null })),
    );
    const [schema] = await server.superQuery(
      "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1",
      [APP_SCHEMA],
      APP_DATABASE,
    );
    expect(schema).toEqual({ owner: MIGRATOR });
    // Nobody connects to the app database by virtue of PUBLIC.
    const [db] = await server.superQuery("SELECT has_database_privilege('public', $1, 'CONNECT') AS public_connect", [APP_DATABASE]);
    expect(db).toEqual({ public_connect: false });
  });

  test("the migrator creates tables in app by unqualified name (search_path is app)", async () => {
    await as(MIGRATOR, APP_DATABASE, async (c) => {
      expect((await c.query("SHOW search_path")).rows).toEqual([{ search_path: APP_SCHEMA }]);
      await c.query("CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)");
      await c.query("CREATE TABLE notes (id serial PRIMARY KEY, body text)");
    });
    const tables = await names(
      "SELECT relnamespace::regnamespace::text || '.' || relname AS name FROM pg_class WHERE relname IN ('items', 'notes') AND relkind = 'r' ORDER BY 1",
      APP_DATABASE,
    );
    expect(tables).toEqual([`${APP_SCHEMA}.items`, `${APP_SCHEMA}.notes`]);
  });

  test("app_writer can SELECT/INSERT/UPDATE/DELETE and use identity and serial sequences", async () => {
    await as(WRITER, APP_DATABASE, async (c) => {
      const inserted = await c.query<{ id: string }>("INSERT INTO items (name) VALUES ('a'), ('b') RETURNING id");
      expect(inserted.rowCount).toBe(2);
      const note = await c.query<{ id: number }>("INSERT INTO notes (body) VALUES ('n') RETURNING id");
      expect(note.rows[0]?.id).toBeGreaterThan(0);
      expect((await c.query("SELECT nextval(pg_get_serial_sequence('notes', 'id')) AS n")).rows).toHaveLength(1);
      expect((await c.query("UPDATE items SET name = 'c' WHERE name = 'a'")).rowCount).toBe(1);
      expect((await c.query("DELETE FROM items WHERE name = 'b'")).rowCount).toBe(1);
      expect((await c.query("SELECT name FROM items")).rows).toEqual([{ name: "c" }]);
    });
  });

  test("app_writer cannot do DDL (it belongs to the migrator)", async () => {
    await as(WRITER, APP_DATABASE, async (c) => {
      expect((await errorIn(c, "CREATE TABLE writer_table (x int)")).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "CREATE TABLE public.writer_table (x int)")).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "ALTER TABLE items ADD COLUMN extra int")).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "DROP TABLE notes")).code).toBe(INSUFFICIENT_PRIVILEGE);
    });
  });

  test("app_reader can SELECT, cannot write (read-only sessions, and no grant behind them) nor CREATE in app or public", async () => {
    await as(READER, APP_DATABASE, async (c) => {
      expect((await c.query("SELECT name FROM items")).rows).toEqual([{ name: "c" }]);
      expect((await c.query("SHOW default_transaction_read_only")).rows).toEqual([{ default_transaction_read_only: "on" }]);
      // The session is read-only...
      expect((await errorIn(c, "INSERT INTO items (name) VALUES ('r')")).code).toBe(READ_ONLY_TRANSACTION);
      // ...and under it there is no privilege either.
      const readWrite = "BEGIN READ WRITE";
      expect((await errorIn(c, "INSERT INTO items (name) VALUES ('r')", readWrite)).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "UPDATE items SET name = 'r'", readWrite)).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "DELETE FROM items", readWrite)).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "SELECT nextval(pg_get_serial_sequence('notes', 'id'))", readWrite)).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "CREATE TABLE reader_table (x int)", readWrite)).code).toBe(INSUFFICIENT_PRIVILEGE);
      expect((await errorIn(c, "CREATE TABLE public.reader_table (x int)", readWrite)).code).toBe(INSUFFICIENT_PRIVILEGE);
      const privs = await c.query(
        `SELECT has_schema_privilege($1, 'CREATE') AS app_create, has_schema_privilege('public', 'CREATE') AS public_create`,
        [APP_SCHEMA],
      );
      expect(privs.rows).toEqual([{ app_create: false, public_create: false }]);
    });
  });

  test("a second run exits 0 and changes nothing in the catalogs", async () => {
    const before = await catalogSnapshot();
    const second = await asMaster(BOOTSTRAP_SQL, APP_DATABASE);
    expectSuccess(second);
    expect(await catalogSnapshot()).toEqual(before);
    // The snapshot is not vacuous: it holds the grants the first run made.
    expect(before.defaultAcl.length).toBeGreaterThan(0);
    expect(before.tableAcl.length).toBe(2);
  });
});

/** The catalog state the bootstrap shapes: roles, memberships, ACLs, default ACLs, role settings. */
async function catalogSnapshot() {
  const q = (sql: string, database = APP_DATABASE) => server.superQuery(sql, [], database);
  return {
    roles: await q(`SELECT oid::int, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
      rolconnlimit, rolbypassrls, rolvaliduntil, rolconfig FROM pg_roles
      WHERE rolname IN ('${APP_ROLES.join("', '")}', '${MASTER_USER}', 'rds_iam') ORDER BY rolname`),
    members: await q(`SELECT roleid::regrole::text AS role, member::regrole::text AS member, grantor::regrole::text AS grantor,
      admin_option, inherit_option, set_option FROM pg_auth_members ORDER BY 1, 2, 3`),
    databases: await q("SELECT datname, datdba::regrole::text AS owner, datacl::text[] AS acl FROM pg_database ORDER BY datname"),
    schemas: await q(`SELECT nspname, nspowner::regrole::text AS owner, nspacl::text[] AS acl FROM pg_namespace
      WHERE nspname IN ('${APP_SCHEMA}', 'public') ORDER BY nspname`),
    defaultAcl: await q(`SELECT defaclrole::regrole::text AS role, defaclnamespace::regnamespace::text AS schema, defaclobjtype,
      defaclacl::text[] AS acl FROM pg_default_acl ORDER BY 1, 2, 3`),
    roleSettings: await q(`SELECT setdatabase, setrole::regrole::text AS role, setconfig FROM pg_db_role_setting ORDER BY 1, 2`),
    tableAcl: await q(`SELECT relname, relkind, relowner::regrole::text AS owner, relacl::text[] AS acl FROM pg_class
      WHERE relnamespace = '${APP_SCHEMA}'::regnamespace AND relkind = 'r' ORDER BY relname`),
    sequenceAcl: await q(`SELECT relname, relacl::text[] AS acl FROM pg_class
      WHERE relnamespace = '${APP_SCHEMA}'::regnamespace AND relkind = 'S' ORDER BY relname`),
  };
}

describe("PREVIEW_INIT_SQL + PREVIEW_SCHEMA_SQL (db-init), PREVIEW_DROP_SQL (db-drop)", () => {
  const init = async (db: string): Promise<void> => {
    expectSuccess(await asMaster(PREVIEW_INIT_SQL, "postgres", { db }));
    expectSuccess(await asMaster(PREVIEW_SCHEMA_SQL, db));
  };

  test("init creates pr_1 and pr_2: an IAM user each, its database, schema app owned by it", async () => {
    await init("pr_1");
    await init("pr_2");
    for (const db of ["pr_1", "pr_2"]) {
      const [role] = await server.superQuery(
        "SELECT rolcanlogin, rolsuper, pg_has_role(rolname, 'rds_iam', 'MEMBER') AS iam FROM pg_roles WHERE rolname = $1",
        [db],
      );
      expect(role).toEqual({ rolcanlogin: true, rolsuper: false, iam: true });
      const [database] = await server.superQuery(
        "SELECT datdba::regrole::text AS owner, has_database_privilege('public', oid, 'CONNECT') AS public_connect FROM pg_database WHERE datname = $1",
        [db],
      );
      expect(database).toEqual({ owner: MASTER_USER, public_connect: false });
      const [schema] = await server.superQuery("SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1", [APP_SCHEMA], db);
      expect(schema).toEqual({ owner: db });
    }
  });

  test("pr_1 connects to its database and creates a table in app by unqualified name", async () => {
    await as("pr_1", "pr_1", async (c) => {
      expect((await c.query("SHOW search_path")).rows).toEqual([{ search_path: APP_SCHEMA }]);
      await c.query("CREATE TABLE things (id serial PRIMARY KEY, v text)");
      await c.query("INSERT INTO things (v) VALUES ('x')");
      const table = await c.query("SELECT relnamespace::regnamespace::text AS schema FROM pg_class WHERE oid = 'things'::regclass");
      expect(table.rows).toEqual([{ schema: APP_SCHEMA }]);
    });
  });

  test("pr_1 cannot connect to pr_2 nor to app; the app's users cannot connect to pr_1", async () => {
    for (const [role, db] of [
      ["pr_1", "pr_2"],
      ["pr_1", APP_DATABASE],
      ["pr_2", "pr_1"],
      [WRITER, "pr_1"],
    ] as const) {
      const err = await pgError(server.client(role, await passwordOf(role), db));
      expect({ role, db, code: err.code, message: err.message, detail: err.detail }).toEqual({
        role,
        db,
        code: INSUFFICIENT_PRIVILEGE,
        message: `permission denied for database "${db}"`,
        detail: "User does not have CONNECT privilege.",
      });
    }
  });

  test("running init twice is harmless: exit 0, pr_1's data kept", async () => {
    await init("pr_1");
    await as("pr_1", "pr_1", async (c) => {
      expect((await c.query("SELECT v FROM things")).rows).toEqual([{ v: "x" }]);
    });
  });

  test.each(["app", "pr_1; drop database app", "pr_x", "pr_123456", "PR_3", "postgres"])(
    "init refuses db=%j: exits non-zero and creates nothing",
    async (db) => {
      const [rolesBefore, databasesBefore] = [await roleNames(), await databaseNames()];
      const result = await asMaster(PREVIEW_INIT_SQL, "postgres", { db });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("refusing a preview database name that is not pr_<n>");
      expect(await roleNames()).toEqual(rolesBefore);
      expect(await databaseNames()).toEqual(databasesBefore);
      expect(databasesBefore).toContain(APP_DATABASE);
    },
  );

  test("drop with db=pr_1 while a pr_1 session is connected: exit 0, pr_1's database and user gone, pr_2 untouched", async () => {
    const session = await server.client("pr_1", await passwordOf("pr_1"), "pr_1");
    try {
      expectSuccess(await asMaster(PREVIEW_DROP_SQL, "postgres", { db: "pr_1" }));
      // The session was terminated by DROP DATABASE ... WITH (FORCE).
      const err = await pgError(session.query("SELECT 1"));
      expect(err.message).toMatch(/terminat|Connection terminated|not queryable/i);
    } finally {
      await session.end().catch(() => undefined);
    }
    passwords.delete("pr_1"); // the role is gone, and its password with it
    if (session.errors.length > 0) expect((session.errors[0] as DatabaseError).code).toBe(ADMIN_SHUTDOWN);
    expect(await databaseNames()).not.toContain("pr_1");
    expect(await roleNames()).not.toContain("pr_1");
    expect(await databaseNames()).toContain("pr_2");
    expect(await roleNames()).toContain("pr_2");
    await as("pr_2", "pr_2", async (c) => {
      expect((await c.query("SELECT current_user AS u")).rows).toEqual([{ u: "pr_2" }]);
    });
  });

  test("drop again with db=pr_1 exits 0", async () => {
    expectSuccess(await asMaster(PREVIEW_DROP_SQL, "postgres", { db: "pr_1" }));
  });

  test.each(["app", "app_writer", "postgres", "pr_2; drop database app"])("drop with db=%j drops nothing", async (db) => {
    const [rolesBefore, databasesBefore] = [await roleNames(), await databaseNames()];
    const result = await asMaster(PREVIEW_DROP_SQL, "postgres", { db });
    expect(result.code).toBe(0);
    expect(await roleNames()).toEqual(rolesBefore);
    expect(await databaseNames()).toEqual(databasesBefore);
    expect(databasesBefore).toEqual(expect.arrayContaining([APP_DATABASE, "pr_2"]));
  });

  test("pr_1 can be created again after the drop", async () => {
    await init("pr_1");
    await as("pr_1", "pr_1", async (c) => {
      expect((await c.query("SELECT to_regclass('app.things') AS t")).rows).toEqual([{ t: null }]);
    });
  });
});

describe("parity and adoption: temp tables, extensions, an install that predates the user model", () => {
  test("the app users may create temp tables (as a preview user may); the migrator may create a trusted extension", async () => {
    await as(WRITER, APP_DATABASE, async (c) => {
      await c.query("CREATE TEMP TABLE scratch (id int)");
      await c.query("INSERT INTO scratch VALUES (1)");
    });
    await as(MIGRATOR, APP_DATABASE, (c) => c.query("CREATE EXTENSION IF NOT EXISTS pgcrypto"));
    const ext = await server.superQuery<{ owner: string; schema: string }>(
      "SELECT r.rolname AS owner, n.nspname AS schema FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'pgcrypto'", [], APP_DATABASE);
    expect(ext).toEqual([{ owner: MIGRATOR, schema: APP_SCHEMA }]);
    // The writer can call what the migrator installed (EXECUTE is PUBLIC's by default).
    const digest = await as(WRITER, APP_DATABASE, (c) => c.query("SELECT encode(digest('x', 'sha256'), 'hex') AS h"));
    expect(digest.rows[0].h).toHaveLength(64);
    expect((await errorIn(await server.client(WRITER, await passwordOf(WRITER), APP_DATABASE), "CREATE EXTENSION citext")).code).toBe(INSUFFICIENT_PRIVILEGE);
  });

  test("a database whose tables sit in public, owned by the master: adopt + bootstrap hand them to the migrator and grant the app", async () => {
    // An install from before: the app connected as the master, tables in public, and a schema app the master made.
    const legacy = await server.client(MASTER_USER, server.masterPassword, "postgres");
    await legacy.query("CREATE DATABASE legacy");
    await legacy.end();
    expectSuccess(await asMaster([
      "CREATE TABLE public.orders (id serial PRIMARY KEY, total int NOT NULL);",
      "CREATE TABLE public.events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text);",
      "CREATE VIEW public.big_orders AS SELECT * FROM public.orders WHERE total > 100;",
      "INSERT INTO public.orders (total) VALUES (50), (500);",
      "CREATE SCHEMA app;",
    ].join("\n"), "legacy"));

    expectSuccess(await asMaster(ADOPT_PUBLIC_SQL, "legacy"));
    expectSuccess(await asMaster(BOOTSTRAP_SQL, "legacy"));

    const owners = await server.superQuery<{ name: string; schema: string; owner: string }>(
      `SELECT c.relname AS name, n.nspname AS schema, r.rolname AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
       WHERE c.relkind IN ('r', 'v', 'S') AND n.nspname IN ('public', 'app') ORDER BY 1`, [], "legacy");
    expect(owners.map((o) => [o.name, o.schema, o.owner])).toEqual([
      ["big_orders", "app", MIGRATOR], ["events", "app", MIGRATOR], ["events_id_seq", "app", MIGRATOR], ["orders", "app", MIGRATOR], ["orders_id_seq", "app", MIGRATOR],
    ]);
    expect(await names("SELECT r.rolname AS name FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE nspname = 'app'", "legacy")).toEqual([MIGRATOR]);
    // The app's unqualified names keep working for the writer and the reader.
    await as(WRITER, "legacy", async (c) => {
      await c.query("INSERT INTO orders (total) VALUES (700)");
      await c.query("INSERT INTO events (kind) VALUES ('paid')");
      expect((await c.query("SELECT count(*)::int AS n FROM big_orders")).rows[0].n).toBe(2);
    });
    await as(READER, "legacy", async (c) => expect((await c.query("SELECT count(*)::int AS n FROM orders")).rows[0].n).toBe(3));
    // The migrator owns them now: its DDL works.
    await as(MIGRATOR, "legacy", (c) => c.query("ALTER TABLE orders ADD COLUMN note text"));
    // Idempotent: adopt and bootstrap again change nothing and succeed.
    expectSuccess(await asMaster(ADOPT_PUBLIC_SQL, "legacy"));
    expectSuccess(await asMaster(BOOTSTRAP_SQL, "legacy"));
  });

  test("adopt refuses (non-zero exit, nothing moved) when app already has a table of the same name", async () => {
    const c = await server.client(MASTER_USER, server.masterPassword, "postgres");
    await c.query("CREATE DATABASE clash");
    await c.end();
    expectSuccess(await asMaster("CREATE SCHEMA app; CREATE TABLE app.users (id int); CREATE TABLE public.users (id int);", "clash"));
    expect((await asMaster(ADOPT_PUBLIC_SQL, "clash")).code).not.toBe(0);
    expect(await names("SELECT n.nspname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE relname = 'users' ORDER BY 1", "clash")).toEqual(["app", "public"]);
  });
});

describe("the task scripts as ECS runs them (sh -c, the real psql, the master's PG* variables)", () => {
  const run = (script: string, env: Record<string, string>) =>
    spawnSync("sh", ["-c", script], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, PGHOST: server.host, PGPORT: String(server.port), PGUSER: MASTER_USER, PGPASSWORD: server.masterPassword, PGSSLMODE: "disable", ...env },
    });

  test("db-init then db-drop for pr_31: the database and its user appear, then are gone", async () => {
    const init = run(PREVIEW_DATABASE_SCRIPTS["db-init"], { PREVIEW_DATABASE: "pr_31" });
    expect({ status: init.status, stderr: init.status === 0 ? "" : init.stderr }).toEqual({ status: 0, stderr: "" });
    expect(init.stdout).toContain("database and user pr_31 ready");
    expect(await databaseNames()).toContain("pr_31");
    expect(await names("SELECT r.rolname AS name FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE nspname = 'app'", "pr_31")).toEqual(["pr_31"]);
    const drop = run(PREVIEW_DATABASE_SCRIPTS["db-drop"], { PREVIEW_DATABASE: "pr_31" });
    expect(drop.status).toBe(0);
    expect(await databaseNames()).not.toContain("pr_31");
    expect(await roleNames()).not.toContain("pr_31");
  });

  test("a name with a newline after a valid line is refused by the shell, before psql", async () => {
    const before = await databaseNames();
    const r = run(PREVIEW_DATABASE_SCRIPTS["db-init"], { PREVIEW_DATABASE: "pr_1\napp" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("not pr_<n>");
    expect(await databaseNames()).toEqual(before);
  });

  test("db-bootstrap's script (psqlScript(BOOTSTRAP_SQL)) exits 0 against the app database", () => {
    const r = run(psqlScript(BOOTSTRAP_SQL), { PGDATABASE: APP_DATABASE });
    expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ status: 0, stderr: "" });
  });
});
