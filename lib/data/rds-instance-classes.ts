/**
 * The DB instance classes RDS for PostgreSQL offers to a DB instance, family → sizes, from the RDS
 * User Guide, "Supported DB engines for DB instance classes"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html):
 * every row whose PostgreSQL column is not "No" or "Deprecated". Some rows hold only for some engine
 * versions (db.m8g, db.r8g, db.m7i, db.r7i need PostgreSQL 13.11/14.9/15.4/16.1/17.1 or later); this
 * table answers "does the class exist for the engine", not "for this exact version". Left out on
 * purpose: db.c6gd (Multi-AZ DB clusters only, never a DB instance), the Oracle-only preconfigured
 * `.tpcN.memNx` and `.metal` classes. When AWS adds a family, add its row here.
 *
 * Tested via: test/policy/rds-instance-class-exists.test.ts
 */
import { editDistance } from "../core/did-you-mean";

export const RDS_POSTGRES_INSTANCE_CLASSES: Readonly<Record<string, readonly string[]>> = {
  // General purpose
  "db.m8g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
  "db.m7i": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
  "db.m7g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.m6g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.m6gd": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.m6id": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.m6idn": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.m6in": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.m6i": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.m5d": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  "db.m5": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  // Memory optimized
  "db.x2g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.x2idn": ["16xlarge", "24xlarge", "32xlarge"],
  "db.x2iedn": ["xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.r8g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
  "db.r7i": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"],
  "db.r7g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.r6g": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.r6gd": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"],
  "db.r6id": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.r6idn": ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.r6in": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.r6i": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  "db.r5d": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  "db.r5b": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  "db.r5": ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  // Burstable performance
  "db.t4g": ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  "db.t3": ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
};

/** Families the same table marks "Deprecated" for PostgreSQL: RDS no longer creates them. */
export const RDS_POSTGRES_DEPRECATED_FAMILIES: readonly string[] = ["db.t2", "db.m3", "db.m4", "db.r3", "db.r4"];

const CLASS_SHAPE = /^(db\.[a-z0-9-]+)\.([a-z0-9-]+)$/;

/** Relative size (large = 1): micro ⅛ … xlarge 2, `<n>xlarge` 2n. Undefined for a word that is not a size. */
function sizeScale(size: string): number | undefined {
  const named: Readonly<Record<string, number>> = { nano: 1 / 16, micro: 1 / 8, small: 1 / 4, medium: 1 / 2, large: 1, xlarge: 2 };
  const m = /^(\d+)xlarge$/.exec(size);
  return named[size] ?? (m ? 2 * Number(m[1]) : undefined);
}

/** The first of `options` with the smallest `score` (the table's order breaks ties). */
function lowestScore<T>(options: readonly T[], score: (o: T) => number): T {
  return options.reduce((best, o) => (score(o) < score(best) ? o : best));
}

/** The one of `sizes` nearest to `size`: by scale when `size` is a size word, else by spelling. */
function nearestSize(sizes: readonly string[], size: string): string {
  const target = sizeScale(size);
  // Ties (6xlarge between 4xlarge and 8xlarge) go to the larger size: `<=` keeps the later, bigger one.
  if (target !== undefined) return sizes.reduce((best, s) => (Math.abs(Math.log2(sizeScale(s)! / target)) <= Math.abs(Math.log2(sizeScale(best)! / target)) ? s : best));
  return lowestScore(sizes, (s) => editDistance(s, size));
}

/**
 * Why `instanceClass` is not a class RDS for PostgreSQL offers to a DB instance, with the closest
 * class that exists ("did you mean …?"); `undefined` when it is offered. A known family gets its
 * nearest size (`db.r6g.medium` → `db.r6g.large`, `db.t4g.24xlarge` → `db.t4g.2xlarge`); an unknown or
 * deprecated family gets the nearest family by spelling, at the nearest size. The caller skips
 * unresolved tokens.
 */
export function rdsInstanceClassProblem(instanceClass: string): string | undefined {
  const families = Object.keys(RDS_POSTGRES_INSTANCE_CLASSES);
  const shape = CLASS_SHAPE.exec(instanceClass);
  if (!shape) {
    const all = Object.entries(RDS_POSTGRES_INSTANCE_CLASSES).flatMap(([f, sizes]) => sizes.map((s) => `${f}.${s}`));
    return `"${instanceClass}" is not an RDS DB instance class (db.<family>.<size>, such as db.t4g.medium); did you mean ${lowestScore(all, (c) => editDistance(c, instanceClass))}?`;
  }
  const [, family = "", size = ""] = shape;
  const sizes = RDS_POSTGRES_INSTANCE_CLASSES[family];
  if (sizes?.includes(size)) return undefined;
  if (sizes) return `"${instanceClass}" is not a DB instance class RDS for PostgreSQL offers (${family} comes in ${sizes.join(", ")}); did you mean ${family}.${nearestSize(sizes, size)}?`;
  const near = lowestScore(families, (f) => editDistance(f, family));
  const why = RDS_POSTGRES_DEPRECATED_FAMILIES.includes(family) ? `${family} is deprecated for RDS for PostgreSQL` : `RDS for PostgreSQL offers no ${family} family`;
  return `"${instanceClass}" is not a DB instance class RDS for PostgreSQL offers (${why}); did you mean ${near}.${nearestSize(RDS_POSTGRES_INSTANCE_CLASSES[near] ?? [], size)}?`;
}
