import { EnvironmentConfigError, ephemeral, hostnameClashes, sharedWithProtected, parsePrNumber, prod, resolveEnvironments, staging, validateEnvironment } from "../environments";
import { withEnv } from "./helpers";
import { previewDeployRoleArn } from "../environments/bootstrap";

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof EnvironmentConfigError) return [...e.problems];
    throw e;
  }
  throw new Error("expected an EnvironmentConfigError");
};

describe("shipped environments", () => {
  test.each([prod, staging, ephemeral(42), ephemeral(99999)])("$name is valid", (env) => {
    expect(validateEnvironment(env)).toBe(env);
  });

  test("prod and staging differ in tier, NAT and AZ count; previews derive from staging", () => {
    expect(prod.safetyTier).toBe("protected");
    expect(staging.safetyTier).toBe("standard");
    expect(prod.network.nat).toBe("per-az");
    expect(staging.network.nat).toBe("single");
    const pr = ephemeral(7);
    expect(pr).toMatchObject({ name: "pr-7", safetyTier: "ephemeral", preview: { prNumber: 7, base: "staging" } });
    // Same account, region and state bucket; its own deploy role (the preview role, environments/bootstrap.ts).
    expect(pr.aws).toEqual({ ...staging.aws, deployRoleArn: previewDeployRoleArn(staging) });
    expect(pr.network).toEqual(staging.network);
    expect(pr.hostnames.app).toBe("pr-7-staging.example.com");
  });

  test("resolveEnvironments builds prod and staging, plus the preview when given a PR", () => {
    expect(resolveEnvironments().map((e) => e.name)).toEqual(["prod", "staging"]);
    expect(resolveEnvironments(42).map((e) => e.name)).toEqual(["prod", "staging", "pr-42"]);
  });
});

describe("validation errors name the environment, field, value and fix", () => {
  test("a VPC CIDR too small for 3 AZs x 3 tiers", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(prod, { network: { cidr: "10.0.0.0/28" } })))).toEqual([
      'prod.network.cidr "10.0.0.0/28" is too small for 3 AZs x 3 subnet tiers; use /20 or larger',
    ]);
  });
  test("a /21 is enough for 2 AZs but not for 3", () => {
    expect(() => validateEnvironment(withEnv(staging, { network: { cidr: "10.20.0.0/21" } }))).not.toThrow();
    expect(problemsOf(() => validateEnvironment(withEnv(prod, { network: { cidr: "10.10.0.0/21" } })))[0]).toMatch(/use \/20 or larger/);
  });
  test.each([
    ["10.0.0.1/16", /clean network address/],
    ["10.0.0.0", /not an IPv4 CIDR/],
    ["8.8.0.0/16", /not in a private range/],
    ["10.0.0.0/8", /larger than AWS allows/],
  ])("CIDR %s", (cidr, message) => {
    const [p] = problemsOf(() => validateEnvironment(withEnv(staging, { network: { cidr } })));
    expect(p).toContain(`staging.network.cidr "${cidr}"`);
    expect(p).toMatch(message);
  });
  test("an AZ from another region", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(prod, { aws: { availabilityZones: ["us-east-1a", "eu-west-1b"] } })))).toEqual([
      'prod.aws.availabilityZones[1] "eu-west-1b" is not an AZ of region us-east-1; use us-east-1a, us-east-1b, ...',
    ]);
  });
  test("a single AZ", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(staging, { aws: { availabilityZones: ["us-east-1a"] } })))[0]).toMatch(/^staging\.aws\.availabilityZones \["us-east-1a"\] needs at least 2 AZs/);
  });
  test("a deploy role in another account", () => {
    const [p] = problemsOf(() => validateEnvironment(withEnv(prod, { aws: { deployRoleArn: "arn:aws:iam::222222222222:role/x" } })));
    expect(p).toBe('prod.aws.deployRoleArn "arn:aws:iam::222222222222:role/x" is in account 222222222222, not 111111111111; use the deploy role of this environment\'s own account');
  });
  test("a bad account id and region", () => {
    const ps = problemsOf(() => validateEnvironment(withEnv(prod, { aws: { accountId: "1234", region: "useast1" } })));
    expect(ps).toEqual(expect.arrayContaining([expect.stringMatching(/^prod\.aws\.accountId "1234" is not a 12-digit AWS account id/), expect.stringMatching(/^prod\.aws\.region "useast1" is not an AWS Region/)]));
  });
  test("a region typo gets a did-you-mean, and no misleading AZ hint", () => {
    const ps = problemsOf(() => validateEnvironment(withEnv(prod, { aws: { region: "us-est-1" } })));
    // One insertion away from both us-east-1 and us-west-1: both are offered.
    expect(ps).toEqual(['prod.aws.region "us-est-1" is not an AWS Region. Did you mean "us-east-1" or "us-west-1"? Use a Region code such as us-east-1 (lib/core/regions.ts lists them)']);
  });
  test("a backup copy region typo gets a did-you-mean too", () => {
    const [p] = problemsOf(() => validateEnvironment(withEnv(prod, { database: { backupPlan: { retentionDays: 35, copyToRegion: "us-wset-2" } } })));
    expect(p).toMatch(/^prod\.database\.backupPlan\.copyToRegion "us-wset-2" is not an AWS Region\. Did you mean "us-west-2"\?/);
  });
  test("a redirect hostname equal to the app hostname (a loop), or listed twice", () => {
    const ps = problemsOf(() => validateEnvironment(withEnv(prod, { hostnames: { app: "www.example.com", redirects: ["www.example.com", "example.com", "example.com"] } })));
    expect(ps).toEqual([
      'prod.hostnames.redirects[0] "www.example.com" is the app hostname itself: the edge would answer every request to it with a redirect to the same URL (a loop); remove it from redirects',
      'prod.hostnames.redirects[2] "example.com" is listed twice; list each redirect hostname once (the edge would create its DNS record twice)',
    ]);
  });
  test("prod without per-AZ NAT", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(prod, { network: { nat: "single" } })))[0]).toMatch(/^prod\.network\.nat "single" must be "per-az"/);
  });
  test("an unknown NAT mode", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(staging, { network: { nat: "double" as never } })))[0]).toMatch(/^staging\.network\.nat "double" is not a NAT mode; use "per-az" or "single"/);
    expect(problemsOf(() => validateEnvironment(withEnv(staging, { network: { nat: "none" as never } })))[0]).toMatch(/^staging\.network\.nat "none" is not a NAT mode; .*egress to ECR/);
  });
  test("a container health check tool that is not supported", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(staging, { app: { containerHealthCheck: "httpie" as never } })))[0]).toMatch(/^staging\.app\.containerHealthCheck "httpie" is not a health check tool; use "wget", "curl" or "node"/);
  });
  test("a Fargate cpu/memory pair Fargate rejects", () => {
    const [p] = problemsOf(() => validateEnvironment(withEnv(prod, { services: { web: { ...prod.services.web!, size: { ...prod.services.web!.size, memoryMiB: 8192 } } } })));
    expect(p).toMatch(/^prod\.services\.web\.size\.memoryMiB 8192 is not valid with cpu 512; Fargate accepts 1024–4096 MiB/);
  });
  test("an instance size that does not exist", () => {
    const [p] = problemsOf(() => validateEnvironment(withEnv(prod, { database: { instanceClass: "db.huge.fast" } })));
    expect(p).toMatch(/^prod\.database\.instanceClass "db\.huge\.fast" is not a DB instance class RDS for PostgreSQL offers/);
  });
  test.each([
    ["db.r6g.medium", "db.r6g.large"],
    ["db.t4g.24xlarge", "db.t4g.2xlarge"],
    ["db.r6q.large", "db.r6g.large"],
  ])("an RDS class of the right shape that does not exist: %s (did you mean %s?)", (instanceClass, suggestion) => {
    const [p] = problemsOf(() => validateEnvironment(withEnv(prod, { database: { instanceClass } })));
    expect(p).toContain(`prod.database.instanceClass ${JSON.stringify(instanceClass)} is not a DB instance class RDS for PostgreSQL offers`);
    expect(p).toContain(`did you mean ${suggestion}?`);
  });
  test("minTasks above maxTasks", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(staging, { services: { backend: { ...staging.services.backend!, size: { ...staging.services.backend!.size, minTasks: 5 } } } })))[0]).toMatch(/^staging\.services\.backend\.size\.minTasks 5 is above maxTasks \(3\)/);
  });
  test.each(["https://www.example.com", "WWW.example.com", "www.example.com.", "*.example.com", "www..example.com"])("hostname %s", (app) => {
    expect(problemsOf(() => validateEnvironment(withEnv(prod, { hostnames: { app } })))[0]).toContain(`prod.hostnames.app ${JSON.stringify(app)} is not a lowercase hostname`);
  });
  test("a hostname outside the Cloudflare zone", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(prod, { hostnames: { redirects: ["example.org"] } })))[0]).toBe('prod.hostnames.redirects[0] "example.org" is not in Cloudflare zone example.com; use a name under example.com');
  });
  test("a preview hostname two labels below the zone", () => {
    const bad = { ...ephemeral(5), hostnames: { app: "pr-5.staging.example.com", redirects: [] } };
    expect(problemsOf(() => validateEnvironment(bad))[0]).toMatch(/^pr-5\.hostnames\.app "pr-5\.staging\.example\.com" is more than one label below example\.com; .* use pr-5-staging\.example\.com/);
  });
  test("prod in a lower tier", () => {
    expect(problemsOf(() => validateEnvironment(withEnv(prod, { safetyTier: "standard" })))[0]).toBe('prod.safetyTier "standard" must be "protected" for prod');
  });
  test("all problems of all environments are reported together", () => {
    const ps = problemsOf(() => resolveEnvironments(3, { prod: withEnv(prod, { network: { cidr: "10.0.0.0/28" } }), staging: withEnv(staging, { aws: { region: "nowhere" } }) }));
    expect(ps.some((p) => p.startsWith("prod.network.cidr"))).toBe(true);
    expect(ps.some((p) => p.startsWith("staging.aws.region"))).toBe(true);
    expect(ps.some((p) => p.startsWith("pr-3.aws.region"))).toBe(true);
  });
});

describe("PR_NUMBER", () => {
  test.each([[undefined, undefined], ["", undefined], ["42", 42], [" 7 ", 7], ["99999", 99999]])("%p -> %p", (raw, n) => {
    expect(parsePrNumber(raw)).toBe(n);
  });
  test.each(["abc", "0", "-1", "100000", "4.2", "1e3", "99999999999999999999"])("%p is a clear error", (raw) => {
    expect(() => parsePrNumber(raw)).toThrow(new RegExp(`PR_NUMBER ${JSON.stringify(raw).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not a pull-request number; use a whole number from 1 to 99999`));
  });
});

describe("hostnames across environments", () => {
  test("the same app or redirect hostname in two environments is refused, naming both and the file to fix", () => {
    const clash = withEnv(staging, { hostnames: { app: prod.hostnames.app, redirects: [prod.hostnames.redirects[0] ?? "example.com"] } });
    const problems = hostnameClashes([prod, clash]);
    expect(problems).toEqual([
      expect.stringMatching(/^staging\.hostnames\.app "www\.example\.com" is also a hostname of prod; each hostname belongs to one environment .*environments\/staging\.ts$/),
      expect.stringMatching(/^staging\.hostnames\.redirects\[0\] ".*" is also a hostname of prod/),
    ]);
    expect(hostnameClashes([prod, staging, ephemeral(42)])).toEqual([]);
  });
});

describe("prod's account and state bucket are its own", () => {
  test("staging in prod's account, or with prod's state bucket, is refused at synth naming the field, the reason and the fix", () => {
    const sameAccount = withEnv(staging, { aws: { accountId: prod.aws.accountId, deployRoleArn: `arn:aws:iam::${prod.aws.accountId}:role/shipkit-deploy-staging` } });
    expect(() => resolveEnvironments(42, { prod, staging: sameAccount })).toThrow(/staging\.aws\.accountId "111111111111" is prod's account too; prod \(protected\) needs an account of its own: .*origin secret\. Give staging its own AWS account in environments\/staging\.ts/);
    const sameBucket = withEnv(staging, { aws: { stateBucket: prod.aws.stateBucket } });
    expect(() => resolveEnvironments(undefined, { prod, staging: sameBucket })).toThrow(/staging\.aws\.stateBucket "shipkit-terraform-state-111111111111" is prod's state bucket too/);
    expect(sharedWithProtected([prod, staging, ephemeral(42)])).toEqual([]);
  });
});

describe("SLO targets", () => {
  test.each([
    [100, /must be below 100/],
    [90, /must be above 93\.06: below it the fastest burn-rate page/],
  ])("availabilityPercent %p is refused, naming the field", (availabilityPercent, message) => {
    const [p] = problemsOf(() => validateEnvironment(withEnv(prod, { observability: { availabilityPercent } })));
    expect(p).toMatch(new RegExp(`^prod\\.observability\\.availabilityPercent ${availabilityPercent} `));
    expect(p).toMatch(message);
  });
});

describe("metrics ports", () => {
  test.each([
    [8888, /is the collector sidecar's own telemetry port \(8888\)/],
    [8080, /is the app's own port \(app\.containerPort 8080\)/],
  ])("port %p is refused, naming the service", (port, message) => {
    const backend = prod.services.backend!;
    const [p] = problemsOf(() => validateEnvironment({ ...prod, services: { ...prod.services, backend: { ...backend, metrics: { port } } } }));
    expect(p).toMatch(new RegExp(`^prod\\.services\\.backend\\.metrics\\.port ${port} `));
    expect(p).toMatch(message);
  });
});
