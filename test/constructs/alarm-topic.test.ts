import { ALARM_PUBLISHERS } from "../../lib/observability/alarm-topic";
import { prod, staging } from "../../environments";
import { resources, synthEnv, type SynthJson } from "../helpers";

const policyDoc = (json: SynthJson, prefix: string) => Object.entries(json.data!.aws_iam_policy_document!).find(([k]) => k.startsWith(prefix))![1] as { statement: { sid: string; principals: { identifiers: string[] }[]; condition?: unknown[]; actions: string[] }[] };

describe("AlarmTopic", () => {
  const json = synthEnv(prod);
  test("encrypted with its own rotating key, not the AWS-managed one CloudWatch cannot use", () => {
    const [topic] = resources(json, "aws_sns_topic");
    expect(String(topic!.kms_master_key_id)).toMatch(/^\$\{aws_kms_key\.alarms_key_[0-9A-F]+\.arn\}$/);
    expect(resources(json, "aws_kms_key")[0]).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(resources(synthEnv(staging), "aws_kms_key")[0]).toMatchObject({ deletion_window_in_days: 7 });
  });
  test("the key lets CloudWatch and EventBridge encrypt, without a source-account condition", () => {
    const use = policyDoc(json, "alarms_key-policy").statement.find((s) => s.sid === "AlarmPublishersEncrypt")!;
    expect(use.principals[0]!.identifiers).toEqual([...ALARM_PUBLISHERS]);
    expect(use.actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(use.condition).toBeUndefined();
  });
  test("the topic policy admits only this account's CloudWatch alarms and EventBridge rules", () => {
    const publish = policyDoc(json, "alarms_topic-policy").statement.find((s) => s.sid === "AlarmPublishers")!;
    expect(publish.principals[0]!.identifiers).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    expect(publish.condition).toEqual([{ test: "StringEquals", variable: "aws:SourceAccount", values: ["111111111111"] }]);
    expect(resources(json, "aws_sns_topic_policy")).toHaveLength(1);
  });
});
