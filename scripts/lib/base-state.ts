/**
 * An offline plan of a change against its base, with no AWS account: synthesize the base revision,
 * build a Terraform state from its plan (planned values, typed placeholders for what only apply
 * would know, the provider schema's versions), converge it, then plan the head against it with
 * `-refresh=false`. Terraform itself then says update, replace or destroy.
 *
 * The fabricated state is "what the base configuration said": no drift, fake ids. It is for
 * planning only; nothing here can apply (offline stacks have local state and fake credentials).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnvironmentConfig } from "../../environments/types";
import { certificateOutput, edgeStackName, hostCertificateOutput, hostsWithOwnCertificate, offlineCertificateArn } from "../../stacks/edge-contract";
import { isLongLived } from "../../stacks/edge-state";
import { AWS_PROVIDER, AWS_PROVIDER_VERSION, OfflineToolingError, planStack, seedUpstreamState, stackPlanEnv, type PlanStackOptions, type PlanSummary, type Progress } from "./offline";
import { actionOf, type PlanJson, type ResourceChange } from "./plan-json";

/** Passes of the convergence loop before giving up (staging and prod settle in 4). */
export const MAX_CONVERGENCE_PASSES = 8;

/** A base revision's source, exported from git into a folder (no worktree bookkeeping). */
export interface BaseCheckout {
  readonly ref: string;
  readonly sha: string;
  readonly dir: string;
}

/**
 * Exports `ref` of the repository at `root` into `<into>/<sha>/src`, with the head's node_modules
 * linked in (the base is synthesized with the head's installed packages). Reused when present.
 */
export function checkoutBase(root: string, ref: string, into: string): BaseCheckout {
  let sha: string;
  try {
    sha = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    throw new OfflineToolingError(`--base ${ref}: not a commit of this repository (git rev-parse failed); fetch it first, e.g. git fetch origin ${ref}`);
  }
  const dir = path.join(into, sha, "src");
  // Written last: an export cut short (Ctrl-C, full disk) is redone, never reused half-written.
  const complete = path.join(into, sha, "src.complete");
  if (!fs.existsSync(complete)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const archive = spawnSync("git", ["archive", "--format=tar", sha], { cwd: root, maxBuffer: 1 << 30 });
    if (archive.status !== 0) throw new OfflineToolingError(`git archive ${sha} failed: ${archive.stderr.toString()}`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (untar.status !== 0) throw new OfflineToolingError(`tar failed: ${untar.stderr.toString()}`);
    fs.writeFileSync(complete, `${sha}\n`);
  }
  const modules = path.join(dir, "node_modules");
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(root, "node_modules"), modules, "dir");
  return { ref, sha, dir };
}

/**
 * Synthesizes the base revision in offline mode with its own main.ts (its own code and
 * environments), into `outdir`, reading upstream states from `stateDir` like the head does.
 */
export function synthBase(base: BaseCheckout, opts: { readonly outdir: string; readonly stateDir: string; readonly prNumber: number; readonly env: NodeJS.ProcessEnv }): void {
  fs.rmSync(opts.outdir, { recursive: true, force: true });
  const r = spawnSync(process.execPath, ["--require", "tsx/cjs", "main.ts"], {
    cwd: base.dir,
    env: { ...opts.env, SHIPKIT_OFFLINE: "1", SHIPKIT_OFFLINE_STATE_DIR: opts.stateDir, CDKTF_OUTDIR: opts.outdir, PR_NUMBER: String(opts.prNumber) },
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new OfflineToolingError(`synth of the base ${base.ref} (${base.sha.slice(0, 12)}) failed:\n${(r.stderr || r.stdout).trim()}`);
}

/**
 * Upstream states a BASE revision reads that the head no longer seeds. Before issue 17 ("an origin
 * lock that holds") prod and staging read their certificate ARNs from the edge state
 * (`<stateDir>/edge-<zone>.tfstate`, outputs `certificate_arn_<env>[_<host>]`); the head has the
 * same stand-in ARNs as literals (stacks/edge-state.ts edgeCertificateArn), so seeding them keeps
 * such a base plannable, and its listeners compare equal to the head's. Only the edge states some
 * stack of `baseOutdir` actually reads are written: for a base after that change, nothing.
 * Returns the files written.
 */
export function seedBaseUpstreams(baseOutdir: string, stateDir: string, envs: readonly EnvironmentConfig[]): string[] {
  const stacksDir = path.join(baseOutdir, "stacks");
  const read = new Set<string>();
  for (const stack of fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir) : []) {
    const file = path.join(stacksDir, stack, "cdk.tf.json");
    if (!fs.existsSync(file)) continue;
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as { data?: { terraform_remote_state?: Record<string, { backend?: string; config?: { path?: string } }> } };
    for (const r of Object.values(json.data?.terraform_remote_state ?? {})) if (r.backend === "local" && r.config?.path) read.add(path.resolve(r.config.path));
  }
  const written: string[] = [];
  for (const zone of new Set(envs.map((e) => e.cloudflare.zone))) {
    const file = path.resolve(stateDir, `${edgeStackName(zone)}.tfstate`);
    if (read.has(file)) written.push(seedUpstreamState(stateDir, edgeStackName(zone), legacyEdgeOutputs(envs.filter((e) => e.cloudflare.zone === zone))));
  }
  return written;
}

/** The certificate outputs the edge state had before issue 17, with the stand-in ARNs the head uses as literals. */
function legacyEdgeOutputs(envs: readonly EnvironmentConfig[]): Record<string, string> {
  return Object.fromEntries(
    envs.filter(isLongLived).flatMap((e) => [
      [certificateOutput(e.name), offlineCertificateArn(e.aws.accountId, e.aws.region, e.name)],
      ...hostsWithOwnCertificate(e).map((h) => [hostCertificateOutput(e.name, h), offlineCertificateArn(e.aws.accountId, e.aws.region, `${e.name}-${h.replace(/[^a-z0-9]+/g, "-")}`)]),
    ]),
  );
}

/** Resource schema facts the state needs: each type's schema version and attribute types. */
export interface ProviderSchema {
  readonly [type: string]: { readonly version: number; readonly block: SchemaBlock };
}
interface SchemaBlock {
  readonly attributes?: Readonly<Record<string, { readonly type?: unknown; readonly computed?: boolean; readonly write_only?: boolean }>>;
  readonly block_types?: Readonly<Record<string, { readonly nesting_mode: string; readonly block: SchemaBlock }>>;
}

/** The AWS provider's resource schemas (`terraform providers schema -json`, 13 MB), cached per provider version. */
export function providerSchema(initializedDir: string, env: NodeJS.ProcessEnv, cacheDir: string): ProviderSchema {
  const file = path.join(cacheDir, `aws-${AWS_PROVIDER_VERSION}-resource-schemas.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as ProviderSchema;
  const out = execFileSync("terraform", ["providers", "schema", "-json"], { cwd: initializedDir, env, encoding: "utf8", maxBuffer: 1 << 30 });
  const all = JSON.parse(out) as { provider_schemas: Record<string, { resource_schemas: Record<string, { version: number; block: SchemaBlock }> }> };
  const aws = all.provider_schemas[AWS_PROVIDER]?.resource_schemas ?? {};
  const reduced = Object.fromEntries(Object.entries(aws).map(([t, s]) => [t, { version: s.version, block: s.block }]));
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(reduced));
  return reduced;
}

interface StateInstance {
  index_key?: string | number;
  schema_version: number;
  attributes: Record<string, unknown>;
  sensitive_attributes: unknown[];
}
interface StateResource {
  mode: "managed";
  type: string;
  name: string;
  provider: string;
  instances: StateInstance[];
}
export interface StateFile {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, { value: unknown; type: unknown; sensitive?: boolean }>;
  resources: StateResource[];
  check_results: null;
}

/** Facts used to shape placeholders that the provider validates (ARNs, ids, URLs). */
export interface PlaceholderContext {
  readonly region: string;
  readonly accountId: string;
}

const digest = (s: string, n = 17): string => createHash("sha256").update(s).digest("hex").slice(0, n);

/** Id prefixes AWS uses, so a placeholder id looks like one (some ids are validated by format). */
const ID_PREFIX: Readonly<Record<string, string>> = {
  aws_vpc: "vpc-",
  aws_subnet: "subnet-",
  aws_security_group: "sg-",
  aws_internet_gateway: "igw-",
  aws_nat_gateway: "nat-",
  aws_eip: "eipalloc-",
  aws_route_table: "rtb-",
  aws_vpc_endpoint: "vpce-",
  aws_flow_log: "fl-",
  aws_default_security_group: "sg-",
  aws_network_acl: "acl-",
  aws_vpc_security_group_ingress_rule: "sgr-",
  aws_vpc_security_group_egress_rule: "sgr-",
  aws_route_table_association: "rtbassoc-",
  aws_db_instance: "db-",
};

/** A typed placeholder for an attribute only apply would know. Strings are "" unless the name says it is an id, ARN or address. */
export function placeholder(type: unknown, attr: string, rc: { readonly address: string; readonly type: string; readonly name: string }, ctx: PlaceholderContext, at: string): unknown {
  if (type === "number") return 0;
  if (type === "bool") return false;
  if (Array.isArray(type)) {
    const [kind, inner] = type as [string, unknown];
    // A computed list of objects (an RDS-managed master_user_secret, say) is referenced by index
    // (`[0].secret_arn`): one placeholder element, or the next plan fails with "Invalid index".
    if ((kind === "list" || kind === "set") && Array.isArray(inner) && inner[0] === "object") return [placeholder(inner, attr, rc, ctx, `${at}[0]`)];
    if (kind === "list" || kind === "set" || kind === "tuple") return [];
    if (kind === "map") return {};
    if (kind === "object") return Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([k, t]) => [k, placeholder(t, k, rc, ctx, `${at}.${k}`)]));
    return null;
  }
  if (type !== "string") return null;
  const h = digest(`${rc.address}/${at}`);
  const service = rc.type.replace(/^aws_/, "").split("_")[0] ?? "x";
  const arn = `arn:aws:${service}:${ctx.region}:${ctx.accountId}:${rc.type.replace(/^aws_/, "")}/offline-${h}`;
  if (attr === "id") return rc.type === "aws_lb" || rc.type === "aws_lb_target_group" || rc.type === "aws_lb_listener" || rc.type === "aws_lb_listener_rule" || rc.type === "aws_sns_topic" ? arn : `${ID_PREFIX[rc.type] ?? ""}${h}`;
  if (attr === "arn" || attr.endsWith("_arn")) return arn;
  if (attr === "arn_suffix") return `${rc.type === "aws_lb_target_group" ? "targetgroup" : "app"}/offline/${h}`;
  if (attr === "dns_name" || attr === "address" || attr === "endpoint" || attr === "hostname") return `offline-${h}.${ctx.region}.offline.invalid${attr === "endpoint" ? ":5432" : ""}`;
  if (attr === "repository_url") return `${ctx.accountId}.dkr.ecr.${ctx.region}.amazonaws.com/offline-${h}`;
  if (attr === "resource_id") return `db-${h.toUpperCase()}`;
  if (attr === "url") return `https://offline-${h}.offline.invalid`;
  return "";
}

/** Fills every unknown (per `after_unknown`) of `after` with `prior` at the same path, else a placeholder typed by the schema. */
function fillUnknowns(after: unknown, unknown: unknown, prior: unknown, schema: SchemaBlock | undefined, rc: ResourceChange, ctx: PlaceholderContext, at: string, attrType?: unknown): unknown {
  if (unknown === true) {
    if (prior !== undefined && prior !== null) return prior;
    if (attrType !== undefined) return placeholder(attrType, at.split(".").pop()!, rc, ctx, at);
    return [];
  }
  if (Array.isArray(after)) {
    const u = Array.isArray(unknown) ? unknown : [];
    const p = Array.isArray(prior) ? prior : [];
    const elemType = Array.isArray(attrType) && (attrType[0] === "list" || attrType[0] === "set") ? attrType[1] : undefined;
    return after.map((v, i) => fillUnknowns(v, u[i], p[i], schema, rc, ctx, `${at}[${i}]`, elemType));
  }
  if (after && typeof after === "object") {
    const u = (unknown && typeof unknown === "object" ? unknown : {}) as Record<string, unknown>;
    const p = (prior && typeof prior === "object" ? prior : {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const objType = Array.isArray(attrType) && attrType[0] === "object" ? (attrType[1] as Record<string, unknown>) : undefined;
    const keys = new Set([...Object.keys(after), ...Object.keys(u)]);
    for (const k of keys) {
      const nested = schema?.block_types?.[k];
      const t = schema?.attributes?.[k]?.type ?? objType?.[k];
      const v = (after as Record<string, unknown>)[k];
      if (nested) {
        out[k] = u[k] === true ? (p[k] ?? []) : Array.isArray(v) ? v.map((e, i) => fillUnknowns(e, (Array.isArray(u[k]) ? (u[k] as unknown[]) : [])[i], (Array.isArray(p[k]) ? (p[k] as unknown[]) : [])[i], nested.block, rc, ctx, `${at}.${k}[${i}]`)) : v;
      } else out[k] = fillUnknowns(v, u[k], p[k], undefined, rc, ctx, at ? `${at}.${k}` : k, t);
    }
    return out;
  }
  return after;
}

/** Terraform state paths of everything `after_sensitive` marks. */
function sensitivePaths(mark: unknown, at: unknown[] = []): unknown[][] {
  if (mark === true) return at.length ? [at] : [];
  if (Array.isArray(mark)) return mark.flatMap((m, i) => sensitivePaths(m, [...at, { type: "index", value: { value: i, type: "number" } }]));
  if (mark && typeof mark === "object") return Object.entries(mark).flatMap(([k, m]) => sensitivePaths(m, [...at, { type: "get_attr", value: k }]));
  return [];
}

/** cty type of a JSON value (for outputs). */
function typeOfValue(v: unknown): unknown {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return ["tuple", v.map(typeOfValue)];
  if (v && typeof v === "object") return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeOfValue(x)]))];
  return "string";
}

const instanceKey = (rc: { type: string; name: string; index?: string | number }) => `${rc.type}.${rc.name}[${JSON.stringify(rc.index ?? null)}]`;

/**
 * Folds a plan into a state: created, updated and replaced resources take their planned values
 * (unknowns from the prior state when there, else placeholders), deleted ones go, outputs take
 * their planned values. `providers` maps `type.name` to the provider address (aliases included).
 */
export function foldPlan(prior: StateFile | undefined, plan: PlanJson, schema: ProviderSchema, ctx: PlaceholderContext, providers: Readonly<Record<string, string>>): StateFile {
  const instances = new Map<string, { rc: { type: string; name: string; index?: string | number }; instance: StateInstance; provider: string }>();
  for (const r of prior?.resources ?? []) for (const i of r.instances) instances.set(instanceKey({ type: r.type, name: r.name, index: i.index_key }), { rc: { type: r.type, name: r.name, index: i.index_key }, instance: i, provider: r.provider });
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed") continue;
    const key = instanceKey(rc);
    const action = actionOf(rc.change.actions);
    if (action === "delete" || action === "forget") {
      instances.delete(key);
      continue;
    }
    if (action === "no-op" && instances.has(key)) continue;
    const s = schema[rc.type];
    const before = instances.get(key)?.instance.attributes;
    const attributes = fillUnknowns(rc.change.after ?? {}, rc.change.after_unknown, before, s?.block, rc, ctx, "") as Record<string, unknown>;
    for (const [k, a] of Object.entries(s?.block.attributes ?? {})) if (a.write_only) attributes[k] = null;
    const instance: StateInstance = { schema_version: s?.version ?? 0, attributes, sensitive_attributes: sensitivePaths(rc.change.after_sensitive) };
    if (rc.index !== undefined) instance.index_key = rc.index;
    instances.set(key, { rc, instance, provider: providers[`${rc.type}.${rc.name}`] ?? `provider["${rc.provider_name}"]` });
  }
  const grouped = new Map<string, StateResource>();
  for (const { rc, instance, provider } of instances.values()) {
    const id = `${rc.type}.${rc.name}`;
    const r = grouped.get(id) ?? { mode: "managed" as const, type: rc.type, name: rc.name, provider, instances: [] };
    r.instances.push(instance);
    grouped.set(id, r);
  }
  const outputs: StateFile["outputs"] = { ...(prior?.outputs ?? {}) };
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    const action = actionOf(change.actions);
    if (action === "delete") {
      delete outputs[name];
      continue;
    }
    const planned = plan.planned_values?.outputs?.[name];
    const value = change.after_unknown === true ? (outputs[name]?.value ?? "") : fillUnknowns(change.after, change.after_unknown, outputs[name]?.value, undefined, { address: `output.${name}`, type: "output", name } as ResourceChange, ctx, name);
    outputs[name] = { value, type: planned?.type ?? typeOfValue(value), ...(planned?.sensitive || change.after_sensitive === true ? { sensitive: true } : {}) };
  }
  return {
    version: 4,
    terraform_version: plan.terraform_version ?? "1.11.4",
    serial: (prior?.serial ?? 0) + 1,
    lineage: prior?.lineage ?? `offline-base-${digest(JSON.stringify(Object.keys(providers)), 12)}`,
    outputs,
    resources: [...grouped.values()].sort((a, b) => `${a.type}.${a.name}`.localeCompare(`${b.type}.${b.name}`)),
    check_results: null,
  };
}

/** Keys of a synthesized resource that are meta-arguments, not attributes. */
const META_KEYS = new Set(["//", "lifecycle", "depends_on", "provider", "count", "for_each", "provisioner", "connection"]);
/** `${aws_type.name.attr}`: a reference to a managed resource's top-level attribute. */
const REF = /\$\{(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}/g;

/**
 * Settles references between placeholders without another plan: where the synthesized
 * configuration says an attribute is `${aws_vpc.x.id}` (or a string built only from such
 * references), the state takes the referenced resource's value from the same state, repeatedly
 * until nothing moves. What needs Terraform to evaluate (functions, data sources, variables) is left
 * to the next plan. Each pass saved is a terraform plan saved (10–15 s per stack).
 */
export function resolveReferences(state: StateFile, stackDir: string): StateFile {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const byAddress = new Map<string, StateInstance>();
  for (const r of state.resources) if (r.instances.length === 1 && r.instances[0]!.index_key === undefined) byAddress.set(`${r.type}.${r.name}`, r.instances[0]!);
  const lookup = (type: string, name: string, attr: string): unknown => byAddress.get(`${type}.${name}`)?.attributes[attr];
  const resolve = (text: string): { ok: boolean; value?: unknown } => {
    const whole = /^\$\{(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(text);
    if (whole) {
      const v = lookup(whole[1]!, whole[2]!, whole[3]!);
      return v === undefined || v === null ? { ok: false } : { ok: true, value: v };
    }
    const rest = text.replace(REF, "");
    if (rest.includes("${")) return { ok: false };
    let ok = true;
    const value = text.replace(REF, (_m, t: string, n: string, a: string) => {
      const v = lookup(t, n, a);
      if (typeof v !== "string" && typeof v !== "number") ok = false;
      return String(v);
    });
    return ok ? { ok, value } : { ok: false };
  };
  const walk = (config: unknown, current: unknown): unknown => {
    if (typeof config === "string") {
      if (!config.includes("${")) return current;
      const r = resolve(config);
      return r.ok ? r.value : current;
    }
    if (Array.isArray(config)) return Array.isArray(current) && current.length === config.length ? config.map((c, i) => walk(c, current[i])) : current;
    if (config && typeof config === "object") {
      if (Array.isArray(current)) return current.length === 1 ? [walk(config, current[0])] : current;
      if (!current || typeof current !== "object") return current;
      const out = { ...(current as Record<string, unknown>) };
      for (const [k, c] of Object.entries(config)) if (!META_KEYS.has(k) && k in out) out[k] = walk(c, out[k]);
      return out;
    }
    return current;
  };
  for (let round = 0; round < 10; round++) {
    let moved = false;
    for (const [address, instance] of byAddress) {
      const [type, name] = address.split(".") as [string, string];
      const config = json.resource?.[type]?.[name];
      if (!config) continue;
      const next = walk(config, instance.attributes) as Record<string, unknown>;
      if (JSON.stringify(next) !== JSON.stringify(instance.attributes)) {
        instance.attributes = next;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return state;
}

/** True when a plan changes nothing: no managed resource and no output changes. */
export function planIsEmpty(plan: PlanJson): boolean {
  const resources = (plan.resource_changes ?? []).filter((r) => r.mode === "managed" && !["no-op", "read"].includes(actionOf(r.change.actions)));
  const outputs = Object.values(plan.output_changes ?? {}).filter((o) => actionOf(o.actions) !== "no-op");
  return resources.length === 0 && outputs.length === 0;
}

/** Provider address per `type.name`, from the synthesized JSON (aliases become `provider["…"].alias`). */
export function providerAddresses(stackDir: string): Record<string, string> {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, { provider?: string }>> };
  const out: Record<string, string> = {};
  for (const [type, byName] of Object.entries(json.resource ?? {}))
    for (const [name, r] of Object.entries(byName)) {
      const alias = r.provider?.match(/^aws\.(\w+)$/)?.[1];
      out[`${type}.${name}`] = `provider["${AWS_PROVIDER}"]${alias ? `.${alias}` : ""}`;
    }
  return out;
}

/** Region and a placeholder account for ARNs, from the stack's default AWS provider. */
export function placeholderContext(stackDir: string): PlaceholderContext {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as { provider?: { aws?: { region?: string; alias?: string }[] } };
  const region = json.provider?.aws?.find((p) => !p.alias)?.region ?? "us-east-1";
  return { region, accountId: "123456789012" };
}

export interface ConvergeResult {
  readonly stateFile: string;
  readonly passes: number;
  readonly cached: boolean;
}

/**
 * The converged state of a base stack: plan from empty, fold, and re-plan with `-refresh=false`
 * until Terraform reports no changes. Cross-references between placeholders settle one level per
 * pass. Cached under `cacheDir` by the base stack's synthesized JSON and variables.
 */
export async function convergeBaseState(stack: string, baseStackDir: string, env: NodeJS.ProcessEnv, opts: { readonly cacheDir: string; readonly progress?: Progress; readonly cacheKeyExtra?: string }): Promise<ConvergeResult> {
  const say = opts.progress ?? (() => undefined);
  const synthesized = fs.readFileSync(path.join(baseStackDir, "cdk.tf.json"), "utf8");
  // The variables as planStack gives them to this stack (per-stack stand-ins: image tag, origin secret).
  const vars = Object.entries(stackPlanEnv(stack, env)).filter(([k]) => k.startsWith("TF_VAR_") && k !== "TF_VAR_db_master_password").sort().map(([k, v]) => `${k}=${v}`).join("\n");
  // What else the base plan read: the upstream states (terraform_remote_state files) and Terraform itself.
  const remote = (JSON.parse(synthesized) as { data?: { terraform_remote_state?: Record<string, { config?: { path?: string } }> } }).data?.terraform_remote_state ?? {};
  const upstreams = Object.values(remote).map((r) => r.config?.path).filter((p): p is string => typeof p === "string").sort().map((p) => (fs.existsSync(p) ? fs.readFileSync(p, "utf8") : `missing ${p}`)).join("\n");
  const tfVersion = execFileSync("terraform", ["version", "-json"], { env, encoding: "utf8" });
  const key = digest(`${synthesized}\n${vars}\n${upstreams}\n${tfVersion}\n${opts.cacheKeyExtra ?? ""}\n${AWS_PROVIDER_VERSION}`, 24);
  const dir = path.join(opts.cacheDir, "states", key);
  const final = path.join(dir, `${stack}.tfstate`);
  if (fs.existsSync(final)) {
    say(`${stack}: base state from cache (${path.relative(process.cwd(), final)})`);
    return { stateFile: final, passes: 0, cached: true };
  }
  fs.mkdirSync(dir, { recursive: true });
  const working = path.join(dir, `${stack}.converging.tfstate`);
  fs.rmSync(working, { force: true });
  const providers = providerAddresses(baseStackDir);
  const ctx = placeholderContext(baseStackDir);
  const planOpts: PlanStackOptions = { refresh: false, backendConfig: [`path=${working}`], planFile: "base.tfplan" };
  let state: StateFile | undefined;
  for (let pass = 1; pass <= MAX_CONVERGENCE_PASSES; pass++) {
    say(`${stack}: base state, pass ${pass} (plan the base against the state built so far)`);
    const summary: PlanSummary = await planStack(stack, baseStackDir, env, { ...planOpts, init: pass === 1 ? "reconfigure" : "skip", ...(opts.progress ? { progress: opts.progress } : {}) });
    if (!summary.ok || !summary.plan) throw new OfflineToolingError(`${stack}: planning the base (pass ${pass}) failed:\n${summary.error ?? ""}`);
    if (state && planIsEmpty(summary.plan)) {
      fs.renameSync(working, final);
      return { stateFile: final, passes: pass, cached: false };
    }
    const schema = providerSchema(baseStackDir, env, opts.cacheDir);
    state = resolveReferences(foldPlan(state, summary.plan, schema, ctx, providers), baseStackDir);
    fs.writeFileSync(working, JSON.stringify(state, null, 1));
  }
  throw new OfflineToolingError(`${stack}: the base state did not converge in ${MAX_CONVERGENCE_PASSES} passes; the last plan still changes resources (see ${working})`);
}

/** Plans the head stack against a copy of the converged base state, with `-refresh=false`. */
export async function planAgainstBase(stack: string, headStackDir: string, baseState: string, env: NodeJS.ProcessEnv, opts: { readonly workDir: string; readonly text?: boolean; readonly progress?: Progress }): Promise<PlanSummary> {
  fs.mkdirSync(opts.workDir, { recursive: true });
  const copy = path.join(opts.workDir, `${stack}.head.tfstate`);
  fs.copyFileSync(baseState, copy);
  return planStack(stack, headStackDir, env, { refresh: false, init: "reconfigure", backendConfig: [`path=${copy}`], planFile: "head.tfplan", text: opts.text ?? false, ...(opts.progress ? { progress: opts.progress } : {}) });
}
