// The AWS component's pure helpers: EFA layout per type, the node policy, zone choice, subnet
// comparison, log commands, partitions, and the preview mocks' answers.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { INSTANCE_TYPES } from "../../src/catalog/index";
import { chooseZone, existingSubnetProblems } from "../../src/clouds/aws/network";
import { efaInterfaceLayout } from "../../src/clouds/aws/nodes";
import { nodePolicyDocument } from "../../src/clouds/aws/iam";
import { logCommands } from "../../src/clouds/aws/ssm";
import { awsPartition } from "../../src/clouds/aws/partition";
import { awsPreviewCall, awsPreviewWorld } from "../../src/clouds/aws/preview-mocks";
import { extraApiCidrs, cidrSlug } from "../../src/clouds/aws/security";

describe("EFA layout", () => {
    it("has one ENA primary at (0,0) and one EFA-only interface per network card, per catalog type", () => {
        const expected: Record<string, number> = { "p5en.48xlarge": 16, "p5e.48xlarge": 32, "p5.48xlarge": 32, "p4de.24xlarge": 4, "g6e.48xlarge": 4 };
        for (const t of INSTANCE_TYPES.filter((x) => x.cloud === "aws")) {
            const slots = efaInterfaceLayout(t.efaInterfaces);
            assert.equal(t.efaInterfaces, expected[t.name], t.name);
            assert.deepEqual(slots[0], { networkCardIndex: 0, deviceIndex: 0, kind: "ena" });
            assert.deepEqual(slots[1], { networkCardIndex: 0, deviceIndex: 1, kind: "efa-only" });
            assert.equal(slots.filter((s) => s.kind === "efa-only").length, t.efaInterfaces);
            assert.deepEqual(slots.slice(2).map((s) => [s.networkCardIndex, s.deviceIndex]), Array.from({ length: t.efaInterfaces - 1 }, (_, i) => [i + 1, 0]));
            assert.equal(new Set(slots.map((s) => `${s.networkCardIndex}/${s.deviceIndex}`)).size, slots.length, "no slot twice");
        }
    });
});

describe("node policy", () => {
    const base = { secretArns: ["arn:aws:secretsmanager:us-east-2:1:secret:k"], stateBucketArn: "arn:aws:s3:::state" };
    it("names only the stack's secrets and the status/cache prefixes", () => {
        const doc = nodePolicyDocument({ ...base, weights: null });
        assert.deepEqual(doc.Statement.flatMap((s) => s.Resource).sort(), ["arn:aws:s3:::state", "arn:aws:s3:::state/cache/*", "arn:aws:s3:::state/status/*", "arn:aws:secretsmanager:us-east-2:1:secret:k"]);
        assert.deepEqual(doc.Statement.find((s) => s.Sid === "ListStatusAndCache")!.Condition, { StringLike: { "s3:prefix": ["status", "status/*", "cache", "cache/*"] } });
    });
    it("reads a shared mirror and seeds only its own", () => {
        const shared = nodePolicyDocument({ ...base, weights: { bucketArn: "arn:aws:s3:::w", prefix: "models/a/b/main", writable: false } });
        assert.deepEqual(shared.Statement.filter((s) => s.Action.includes("s3:PutObject")).flatMap((s) => s.Resource), ["arn:aws:s3:::state/status/*", "arn:aws:s3:::state/cache/*"]);
        const own = nodePolicyDocument({ ...base, weights: { bucketArn: "arn:aws:s3:::w", prefix: "models/a/b/main", writable: true } });
        assert.deepEqual(own.Statement.find((s) => s.Sid === "SeedWeights")!.Resource, ["arn:aws:s3:::w/models/a/b/main/*"]);
    });
});

describe("zones and subnets", () => {
    it("takes the user's zone when offered, else the first offered, else refuses with the path", () => {
        assert.equal(chooseZone(["us-east-2a", "us-east-2b"], "us-east-2b", "p5.48xlarge", "us-east-2"), "us-east-2b");
        assert.equal(chooseZone(["us-east-2a", "us-east-2b"], undefined, "p5.48xlarge", "us-east-2"), "us-east-2a");
        assert.throws(() => chooseZone(["us-east-2a"], "us-east-2c", "p5.48xlarge", "us-east-2"), (e: { problems: { path: string }[] }) => e.problems[0]!.path === "deepseek-sglang:cluster.aws.availabilityZone");
        assert.throws(() => chooseZone([], undefined, "p5.48xlarge", "us-east-2"), (e: { problems: { path: string }[] }) => e.problems[0]!.path === "deepseek-sglang:cluster.aws.instanceType");
    });
    it("compares the user's subnet description with AWS's", () => {
        const subnet = { vpcId: "vpc-1", cidrBlock: "10.0.1.0/24", availabilityZone: "us-east-2a" };
        assert.deepEqual(existingSubnetProblems({ vpcId: "vpc-1", subnetId: "subnet-1", subnetCidr: "10.0.1.0/24" }, subnet), []);
        assert.deepEqual(existingSubnetProblems({ vpcId: "vpc-2", subnetId: "subnet-1", subnetCidr: "10.0.2.0/24", availabilityZone: "us-east-2b" }, subnet).map((p) => p.path), [
            "deepseek-sglang:cluster.aws.subnetId", "deepseek-sglang:cluster.aws.subnetCidr", "deepseek-sglang:cluster.aws.availabilityZone",
        ]);
    });
});

describe("security group helpers", () => {
    it("drops duplicates and the VPC CIDR from the allow-list; names rules by CIDR", () => {
        assert.deepEqual(extraApiCidrs(["10.0.0.0/8", "10.42.0.0/16", "10.0.0.0/8"], "10.42.0.0/16"), ["10.0.0.0/8"]);
        assert.equal(cidrSlug("192.168.4.0/22"), "192-168-4-0-22");
    });
});

describe("operator commands and partitions", () => {
    it("tails each unit of each rank through SSM", () => {
        const cmds = logCommands("us-east-2", ["i-0a", "i-0b"], (rank) => (rank === 0 ? ["a.service", "beacon.service"] : ["a.service"]));
        assert.deepEqual(Object.keys(cmds), ["rank-0", "rank-1"]);
        assert.deepEqual(Object.keys(cmds["rank-0"]!), ["a.service", "beacon.service"]);
        assert.equal(cmds["rank-1"]!["a.service"], `aws ssm start-session --region us-east-2 --target i-0b --document-name AWS-StartInteractiveCommand --parameters '{"command":["sudo journalctl -u a.service -f --no-pager"]}'`);
    });
    it("maps regions to partitions", () => {
        assert.deepEqual(["us-east-2", "cn-north-1", "us-gov-west-1"].map(awsPartition), ["aws", "aws-cn", "aws-us-gov"]);
    });
});

describe("preview mocks", () => {
    it("answer offerings per region and refuse unknown invokes with details", () => {
        const r = awsPreviewCall("aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings", { region: "eu-north-1", filters: [{ name: "instance-type", values: ["p5en.48xlarge"] }] });
        assert.deepEqual(r.locations, ["eu-north-1a", "eu-north-1b", "eu-north-1c"]);
        assert.throws(() => awsPreviewCall("aws:ec2/getAmi:getAmi", {}), (e: { details: string }) => /no preview answer/.test(e.details));
        assert.throws(() => awsPreviewCall("aws:ssm/getParameter:getParameter", { name: "/not/there" }), (e: { details: string }) => /ParameterNotFound/.test(e.details));
    });
    it("take the user's own subnet at its word offline", () => {
        const world = awsPreviewWorld({
            "aws:region": "us-west-2",
            "deepseek-sglang:cluster": { aws: { vpcId: "vpc-1", subnetId: "subnet-1", subnetCidr: "10.1.0.0/24", availabilityZone: "us-west-2b" } },
        });
        const s = awsPreviewCall("aws:ec2/getSubnet:getSubnet", { id: "subnet-1" }, world);
        assert.deepEqual([s.vpcId, s.cidrBlock, s.availabilityZone], ["vpc-1", "10.1.0.0/24", "us-west-2b"]);
    });
});
