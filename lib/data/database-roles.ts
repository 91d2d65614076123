/**
 * The database's user and role model, and the SQL that builds it. App processes never hold the
 * master credentials: each connects with IAM database authentication as the one user its access
 * names, and only the one-off tasks below (bootstrap, db-init, db-drop) ever read the master secret.
 *
 * Users of a long-lived environment's database (`app`), all members of `rds_iam` (RDS then accepts
 * an IAM auth token instead of a password, and refuses a password for them):
 * - `app_migrator`: owns the schema `app`; the migration task connects as it (DDL).
 * - `app_writer`: SELECT/INSERT/UPDATE/DELETE on the tables of `app`, sequences; services with
 *   database access `write`.
 * - `app_reader`: SELECT only, sessions read-only; cron jobs and services with access `read`, on
 *   the replica.
 * A preview `pr-<n>` has one user `pr_<n>` that owns schema `app` of database `pr_<n>` and may
 * connect to no other database (CONNECT is revoked from PUBLIC on every database).
 *
 * The scripts are fixed text (no value interpolated at synth): psql runs them with `ON_ERROR_STOP`,
 * names arrive as psql variables and are quoted with `format('%I')`, and every statement is
 * guarded, so running one twice changes nothing (test/db/roles.test.ts runs them on a real
 * PostgreSQL 16).
 *
 * Tested via: test/db/roles.test.ts, test/constructs/database-admin-tasks.test.ts
 */

/** What a workload does with the database; each maps to one database user. */
export type DatabaseUserKind = "write" | "read" | "migration";

/** The users of a long-lived environment's database, by kind. */
export const APP_DATABASE_USERS: Readonly<Record<DatabaseUserKind, string>> = {
  write: "app_writer",
  read: "app_reader",
  migration: "app_migrator",
};

/** The schema the app's tables live in (owned by the migration user; first on every user's search_path). */
export const APP_SCHEMA = "app";

/** A preview's logical database and its one user share the name `pr_<n>`. */
export const PREVIEW_NAME_PATTERN = "^pr_[0-9]{1,5}$";

/**
 * Gives the current (master) user the privileges of `role` (PostgreSQL 16: INHERIT and SET), which
 * it needs to create a schema owned by `role` and to set `role`'s default privileges. On RDS the
 * master is not a superuser: since PostgreSQL 16 the creator of a role only gets ADMIN on it.
 * Expects psql variable `member_of`.
 */
const ACT_AS = String.raw`SELECT format(CASE WHEN current_setting('server_version_num')::int >= 160000
  THEN 'GRANT %I TO %I WITH INHERIT TRUE, SET TRUE' ELSE 'GRANT %I TO %I' END, :'member_of', current_user)
  WHERE NOT pg_has_role(current_user, :'member_of', 'USAGE')\gexec`;

/**
 * Revokes CONNECT from PUBLIC on every database the master user owns (the app's, every preview's);
 * databases RDS owns (`rdsadmin`, `template1`, `postgres`) it cannot change, and they hold no app data.
 */
const REVOKE_PUBLIC_CONNECT = String.raw`SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname)
  FROM pg_database WHERE datallowconn AND pg_has_role(datdba, 'USAGE')
  AND has_database_privilege('public', oid, 'CONNECT')\gexec`;

/** Creates `role` as a login role in `rds_iam` when missing. Expects psql variable `role`. */
const IAM_LOGIN_ROLE = String.raw`SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\gexec
SELECT format('GRANT rds_iam TO %I', :'role') WHERE NOT pg_has_role(:'role', 'rds_iam', 'MEMBER')\gexec`;

/**
 * Bootstrap of a long-lived environment's database, run by the `db-bootstrap` task with the
 * master secret, connected to the app database (`PGDATABASE=app`). Idempotent: run it after every
 * deploy that changes it, and after a restore.
 */
export const BOOTSTRAP_SQL = [
  "\\set ON_ERROR_STOP on",
  "SELECT current_database() AS db \\gset",
  ...Object.values(APP_DATABASE_USERS).flatMap((role) => [`\\set role ${role}`, IAM_LOGIN_ROLE]),
  `\\set member_of ${APP_DATABASE_USERS.migration}`,
  ACT_AS,
  REVOKE_PUBLIC_CONNECT,
  // CONNECT and TEMPORARY (temp tables), as a preview's user has on its own database.
  String.raw`SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', r) FROM unnest(ARRAY['app_migrator', 'app_writer', 'app_reader']) r
  WHERE NOT (has_database_privilege(r, :'db', 'CONNECT') AND has_database_privilege(r, :'db', 'TEMPORARY'))\gexec`,
  // The schema owner may CREATE in the database: trusted extensions (pgcrypto, citext, pg_trgm, ...) need it.
  String.raw`SELECT format('GRANT CREATE ON DATABASE %I TO ${APP_DATABASE_USERS.migration}', :'db') WHERE NOT has_database_privilege('${APP_DATABASE_USERS.migration}', :'db', 'CREATE')\gexec`,
  "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
  `CREATE SCHEMA IF NOT EXISTS ${APP_SCHEMA} AUTHORIZATION ${APP_DATABASE_USERS.migration};`,
  // Adopt what the master created before this model existed: the schema, and its tables, views and
  // sequences (ALTER TABLE moves a table's owned sequences along). Objects of other owners stay.
  String.raw`SELECT 'ALTER SCHEMA ${APP_SCHEMA} OWNER TO ${APP_DATABASE_USERS.migration}' FROM pg_namespace
  WHERE nspname = '${APP_SCHEMA}' AND nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)\gexec`,
  String.raw`SELECT format('ALTER %s %I.%I OWNER TO ${APP_DATABASE_USERS.migration}', CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = '${APP_SCHEMA}' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
  ORDER BY c.relkind = 'S', c.relname\gexec`,
  `GRANT USAGE ON SCHEMA ${APP_SCHEMA} TO ${APP_DATABASE_USERS.write}, ${APP_DATABASE_USERS.read};`,
  // Tables the migration user creates from now on, and those it already has.
  `ALTER DEFAULT PRIVILEGES FOR ROLE ${APP_DATABASE_USERS.migration} IN SCHEMA ${APP_SCHEMA} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_DATABASE_USERS.write};`,
  `ALTER DEFAULT PRIVILEGES FOR ROLE ${APP_DATABASE_USERS.migration} IN SCHEMA ${APP_SCHEMA} GRANT USAGE, SELECT ON SEQUENCES TO ${APP_DATABASE_USERS.write};`,
  `ALTER DEFAULT PRIVILEGES FOR ROLE ${APP_DATABASE_USERS.migration} IN SCHEMA ${APP_SCHEMA} GRANT SELECT ON TABLES TO ${APP_DATABASE_USERS.read};`,
  `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${APP_SCHEMA} TO ${APP_DATABASE_USERS.write};`,
  `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${APP_SCHEMA} TO ${APP_DATABASE_USERS.write};`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA ${APP_SCHEMA} TO ${APP_DATABASE_USERS.read};`,
  ...Object.values(APP_DATABASE_USERS).map((role) => `ALTER ROLE ${role} IN DATABASE :"db" SET search_path = ${APP_SCHEMA};`),
  // Belt and braces on top of the grants: a reporting session cannot write even a temp table's worth.
  `ALTER ROLE ${APP_DATABASE_USERS.read} SET default_transaction_read_only = on;`,
].join("\n");

/**
 * One-time adoption for a database whose app tables sit in `public`, owned by the master (created
 * before this user model, when the app connected as the master): moves the master's tables, views
 * and sequences from `public` to `app` (BOOTSTRAP_SQL then gives them to the migration user and
 * grants the others). Run by the `db-adopt-public` task during the upgrade window, after bootstrap
 * and before the IAM-authenticated services start (docs/database.md, "Upgrading an install").
 * A table's owned sequences move with it. Refuses to run if `app` already has a table of the same name.
 */
export const ADOPT_PUBLIC_SQL = [
  "\\set ON_ERROR_STOP on",
  String.raw`SELECT format('ALTER %s public.%I SET SCHEMA ${APP_SCHEMA}', CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
  AND NOT c.relispartition
  ORDER BY c.relkind = 'S', c.relname\gexec`,
].join("\n");

/**
 * First half of db-init, connected to the maintenance database `postgres` as the master user:
 * the preview's user and database. Expects psql variable `db` = `pr_<n>`; any other value matches
 * no guard and changes nothing (the shell wrapper refuses it first).
 */
export const PREVIEW_INIT_SQL = [
  "\\set ON_ERROR_STOP on",
  "\\set role :db",
  "\\set member_of :db",
  // The guard: a name that is not pr_<n> stops here, before anything is created.
  String.raw`SELECT :'db' !~ '${PREVIEW_NAME_PATTERN}' AS invalid \gset`,
  "\\if :invalid",
  String.raw`DO $$ BEGIN RAISE EXCEPTION 'refusing a preview database name that is not pr_<n>'; END $$;`,
  "\\endif",
  IAM_LOGIN_ROLE,
  ACT_AS,
  String.raw`SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec`,
  REVOKE_PUBLIC_CONNECT,
  // CONNECT, TEMPORARY and CREATE (trusted extensions), like the app users on a long-lived database.
  String.raw`SELECT format('GRANT CONNECT, TEMPORARY, CREATE ON DATABASE %I TO %I', :'db', :'db') WHERE NOT has_database_privilege(:'db', :'db', 'CREATE')\gexec`,
  String.raw`SELECT format('ALTER ROLE %I IN DATABASE %I SET search_path = ${APP_SCHEMA}', :'db', :'db')\gexec`,
].join("\n");

/** Second half of db-init, connected to the preview's database `pr_<n>`: its schema, owned by its user. */
export const PREVIEW_SCHEMA_SQL = [
  "\\set ON_ERROR_STOP on",
  "SELECT current_database() AS db \\gset",
  String.raw`SELECT format('CREATE SCHEMA IF NOT EXISTS ${APP_SCHEMA} AUTHORIZATION %I', :'db') WHERE :'db' ~ '${PREVIEW_NAME_PATTERN}'\gexec`,
  "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
].join("\n");

/** db-drop, connected to `postgres` as the master user: the preview's database, then its user. */
export const PREVIEW_DROP_SQL = [
  "\\set ON_ERROR_STOP on",
  String.raw`SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') WHERE :'db' ~ '${PREVIEW_NAME_PATTERN}'\gexec`,
  String.raw`SELECT format('DROP ROLE IF EXISTS %I', :'db') WHERE :'db' ~ '${PREVIEW_NAME_PATTERN}'\gexec`,
].join("\n");
