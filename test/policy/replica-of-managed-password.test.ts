import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { replicaOfManagedPassword as rule } from "../../lib/policy/rules/replica-of-managed-password";
import { findingsOf, stackWith } from "./helpers";

const pair = (managed: boolean, byLiteral = false) =>
  stackWith((s) => {
    const primary = new DbInstance(s, "primary", { identifier: "app-db", instanceClass: "db.t4g.micro", engine: "postgres", allocatedStorage: 20, ...(managed ? { manageMasterUserPassword: true } : { passwordWo: "${var.pw}", passwordWoVersion: 1 }) });
    new DbInstance(s, "replica", { instanceClass: "db.t4g.micro", replicateSourceDb: byLiteral ? "app-db" : primary.identifier });
  });

describe("replica-of-managed-password", () => {
  test("fires on a replica of a source with an RDS-managed password, by reference or by literal identifier", () => {
    expect(findingsOf(rule, pair(true))[0]?.message).toMatch(/^replicates s\/primary, whose master password RDS manages in Secrets Manager; AWS refuses to create that replica/);
    expect(findingsOf(rule, pair(true, true))).toHaveLength(1);
  });
  test("quiet when the source's password is not RDS-managed", () => expect(findingsOf(rule, pair(false))).toEqual([]));
});
