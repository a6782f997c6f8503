// AwsServingCluster options beyond the stacks' defaults: the user's own network, each capacity type,
// the internal NLB, the weights mirror (new or existing), the AMI override and fallback, no HF token,
// and synchronous refusals.

import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { DLAMI_SSM_PARAMETERS } from "../../src/clouds/aws/cluster";
import { awsPreviewState, type AwsPreviewWorld } from "../../src/clouds/aws/preview-mocks";
import type { AwsConfig } from "../../src/clouds/aws/schema";
import { awsStackFor, withAws, withUncheckedAws, type AwsStack } from "./fixtures";
import { decodeLaunchTemplateUserData, installAwsMocks, ofType, ownedBy, settle, unwrap, type Harness } from "./mocks";

const WORLD: AwsPreviewWorld = {
    region: "us-east-2",
    subnets: { "subnet-0b1e": { vpcId: "vpc-0b1e", cidrBlock: "10.9.8.0/24", availabilityZone: "us-east-2b" } },
    vpcCidrs: { "vpc-0b1e": "10.9.0.0/16" },
    // Only the AWS example's spelling of the DLAMI parameter exists in this world.
    dlamiPublished: false,
    ssmParameters: { [DLAMI_SSM_PARAMETERS[1]]: "ami-0fa11bac4000000aa" },
};
const RESERVATION = "cr-0123456789abcdef0";

let harness: Harness;
let Cluster: typeof import("../../src/clouds/aws/index.js").AwsServingCluster;
let AwsConfigError: typeof import("../../src/clouds/aws/index.js").AwsConfigError;
const clusters = new Map<string, InstanceType<typeof Cluster>>();

function h100x2(aws: AwsConfig): AwsStack {
    return withAws(awsStackFor("fp8-2x8xh100"), aws);
}

const VARIANTS: Record<string, { stack: () => AwsStack; hfToken?: string }> = {
    byo: { stack: () => h100x2({ vpcId: "vpc-0b1e", subnetId: "subnet-0b1e", subnetCidr: "10.9.8.0/24", allowedCidrs: ["192.168.0.0/16"] }) },
    block: { stack: () => h100x2({ availabilityZone: "us-east-2a", capacity: { type: "capacity-block", reservationId: RESERVATION } }) },
    odcr: { stack: () => h100x2({ availabilityZone: "us-east-2a", capacity: { type: "reservation", reservationId: RESERVATION } }) },
    spot: { stack: () => h100x2({ capacity: { type: "spot" } }) },
    nlb: { stack: () => h100x2({ loadBalancer: true }) },
    mirror: { stack: () => h100x2({ weightsBucket: { create: true } }), hfToken: "hf_x" },
    shared: { stack: () => h100x2({ weightsBucket: { name: "team-weights" } }) },
    pinned: { stack: () => h100x2({ amiId: "ami-0123456789abcdef0", rootVolumeGiB: 800 }) },
};

before(async () => {
    harness = await installAwsMocks(WORLD);
    ({ AwsServingCluster: Cluster, AwsConfigError } = require("../../src/clouds/aws/index") as typeof import("../../src/clouds/aws/index"));
    for (const [name, v] of Object.entries(VARIANTS)) {
        const s = v.stack();
        clusters.set(name, new Cluster(name, { plan: s.plan, hfToken: v.hfToken }));
    }
    await Promise.all([...clusters.values()].map((c) => unwrap(c.logCommands)));
    await settle();
});

const lts = (name: string) => ofType(harness.resources, "aws:ec2/launchTemplate:LaunchTemplate", name);
/** Rank 0's policy (the workers' is `<name>-worker-access`). */
const policyOf = (name: string) => JSON.parse(ofType(harness.resources, "aws:iam/rolePolicy:RolePolicy", name).find((p) => p.name === `${name}-node-access`)!.inputs.policy);

describe("an existing VPC and subnet", () => {
    it("creates no network, uses the subnet's zone, and opens the API port to the VPC's CIDR", async () => {
        const types = new Set(ownedBy(harness.resources, "byo").map((r) => r.type));
        for (const t of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway"]) assert.ok(!types.has(t), t);
        for (const lt of lts("byo")) {
            assert.deepEqual(new Set(lt.inputs.networkInterfaces.map((n: { subnetId: string }) => n.subnetId)), new Set(["subnet-0b1e"]));
            assert.equal(lt.inputs.placement.availabilityZone, "us-east-2b");
            assert.match(lt.inputs.networkInterfaces[0].privateIpAddress, /^10\.9\.8\.1[01]$/);
        }
        assert.equal(ofType(harness.resources, "aws:ec2/securityGroup:SecurityGroup", "byo")[0]!.inputs.vpcId, "vpc-0b1e");
        const apiCidrs = ofType(harness.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "byo").map((r) => r.inputs.cidrIpv4).filter(Boolean).sort();
        assert.deepEqual(apiCidrs, ["10.9.0.0/16", "192.168.0.0/16"]);
        assert.equal(await unwrap(clusters.get("byo")!.availabilityZone), "us-east-2b");
        assert.ok(harness.calls.some((c) => c.token === "aws:ec2/getSubnet:getSubnet" && c.inputs.id === "subnet-0b1e"));
    });
});

describe("capacity", () => {
    it("a Capacity Block: market type capacity-block, the reservation as target, no placement group of ours", () => {
        for (const lt of lts("block")) {
            assert.deepEqual(lt.inputs.instanceMarketOptions, { marketType: "capacity-block" });
            assert.deepEqual(lt.inputs.capacityReservationSpecification, { capacityReservationTarget: { capacityReservationId: RESERVATION } });
            assert.equal(lt.inputs.placement.groupName, undefined);
            assert.equal(lt.inputs.placement.availabilityZone, "us-east-2a");
        }
        assert.equal(ofType(harness.resources, "aws:ec2/placementGroup:PlacementGroup", "block").length, 0);
    });
    it("a capacity reservation: the target only, on-demand market", () => {
        for (const lt of lts("odcr")) {
            assert.equal(lt.inputs.instanceMarketOptions, undefined);
            assert.deepEqual(lt.inputs.capacityReservationSpecification, { capacityReservationTarget: { capacityReservationId: RESERVATION } });
        }
    });
    it("spot: one-time, terminate on interruption, still in the cluster placement group", () => {
        for (const lt of lts("spot")) {
            assert.deepEqual(lt.inputs.instanceMarketOptions, { marketType: "spot", spotOptions: { spotInstanceType: "one-time", instanceInterruptionBehavior: "terminate" } });
            assert.ok(lt.inputs.placement.groupName);
        }
        assert.equal(ofType(harness.resources, "aws:ec2/placementGroup:PlacementGroup", "spot").length, 1);
    });
    it("on-demand by default: neither market options nor reservation", () => {
        for (const lt of lts("nlb")) {
            assert.equal(lt.inputs.instanceMarketOptions, undefined);
            assert.equal(lt.inputs.capacityReservationSpecification, undefined);
        }
    });
});

describe("internal NLB", () => {
    it("fronts rank 0's fixed address on the API port, internal only", async () => {
        const [nlb] = ofType(harness.resources, "aws:lb/loadBalancer:LoadBalancer", "nlb");
        assert.equal(nlb!.inputs.internal, true);
        assert.equal(nlb!.inputs.loadBalancerType, "network");
        const [tg] = ofType(harness.resources, "aws:lb/targetGroup:TargetGroup", "nlb");
        assert.deepEqual([tg!.inputs.targetType, tg!.inputs.protocol, tg!.inputs.port, tg!.inputs.preserveClientIp], ["ip", "TCP", 30000, "true"]);
        const [attachment] = ofType(harness.resources, "aws:lb/targetGroupAttachment:TargetGroupAttachment", "nlb");
        assert.equal(attachment!.inputs.targetId, "10.42.0.10");
        assert.equal(ofType(harness.resources, "aws:lb/listener:Listener", "nlb").length, 1);
        const dns = awsPreviewState("aws:lb/loadBalancer:LoadBalancer", "nlb-api", {}, WORLD).state.dnsName;
        assert.equal(await unwrap(clusters.get("nlb")!.endpoint), `http://${dns}:30000`);
    });
});

describe("weights mirror", () => {
    it("a new mirror bucket: encrypted, private, seeded under the model's prefix, announced to the boot pipeline", async () => {
        const buckets = ofType(harness.resources, "aws:s3/bucket:Bucket", "mirror").map((b) => b.name).sort();
        assert.deepEqual(buckets, ["mirror-state", "mirror-weights"]);
        assert.equal(ofType(harness.resources, "aws:s3/bucket:Bucket", "mirror").find((b) => b.name === "mirror-weights")!.inputs.forceDestroy, false);
        assert.ok(ofType(harness.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "mirror").some((r) => r.name === "mirror-weights-sse"));
        assert.ok(ofType(harness.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "mirror").some((r) => r.name === "mirror-weights-private"));
        const weightsArn = awsPreviewState("aws:s3/bucket:Bucket", "mirror-weights", {}, WORLD).state.arn;
        const seed = policyOf("mirror").Statement.find((s: { Sid: string }) => s.Sid === "SeedWeights");
        assert.deepEqual(seed.Resource, [`${weightsArn}/models/deepseek-ai/DeepSeek-V3/main/*`]);
        const mirror = await unwrap(clusters.get("mirror")!.weightsMirror);
        assert.match(mirror!, /^s3:\/\/mirror-weights-[0-9a-f]+\/models\/deepseek-ai\/DeepSeek-V3\/main$/);
        assert.ok(decodeLaunchTemplateUserData(lts("mirror")[0]!.inputs.userData).includes(mirror!));
    });
    it("an existing bucket is only read, and no bucket is created for it", () => {
        assert.deepEqual(ofType(harness.resources, "aws:s3/bucket:Bucket", "shared").map((b) => b.name), ["shared-state"]);
        const statements = policyOf("shared").Statement;
        assert.deepEqual(statements.find((s: { Sid: string }) => s.Sid === "ReadWeights").Resource, ["arn:aws:s3:::team-weights/models/deepseek-ai/DeepSeek-V3/main/*"]);
        assert.equal(statements.find((s: { Sid: string }) => s.Sid === "SeedWeights"), undefined);
    });
});

describe("image and disk", () => {
    it("falls back to the second DLAMI parameter spelling when the first is missing", () => {
        for (const lt of lts("nlb")) assert.equal(lt.inputs.imageId, "ami-0fa11bac4000000aa");
    });
    it("takes the user's AMI and root size without looking up SSM for them", () => {
        for (const lt of lts("pinned")) {
            assert.equal(lt.inputs.imageId, "ami-0123456789abcdef0");
            assert.equal(lt.inputs.blockDeviceMappings[0].ebs.volumeSize, 800);
        }
    });
});

describe("without a Hugging Face token", () => {
    it("creates no token secret and grants only the API key secret", () => {
        assert.deepEqual(ofType(harness.resources, "aws:secretsmanager/secret:Secret", "spot").map((s) => s.name), ["spot-api-key"]);
        const secrets = policyOf("spot").Statement.find((s: { Sid: string }) => s.Sid === "ReadStackSecrets").Resource;
        assert.deepEqual(secrets, [awsPreviewState("aws:secretsmanager/secret:Secret", "spot-api-key", {}, WORLD).state.arn]);
    });
});

describe("synchronous refusals", () => {
    it("throws one AwsConfigError listing every problem before registering anything", () => {
        const s = awsStackFor("int8-32xl40s");
        const before = harness.resources.length;
        assert.throws(
            () => new Cluster("Bad_Name", { plan: withUncheckedAws(s.plan, { ...s.aws, allowedCidrs: ["0.0.0.0/0"], capacity: { type: "capacity-block", reservationId: RESERVATION }, availabilityZone: "us-east-2a" }) }),
            (err: unknown) => {
                assert.ok(err instanceof AwsConfigError);
                assert.deepEqual(err.problems.map((p) => p.path).sort(), [
                    "deepseek-sglang:cluster.aws.allowedCidrs[0]",
                    // the int8 stack is in us-east-1
                    "deepseek-sglang:cluster.aws.availabilityZone",
                    "deepseek-sglang:cluster.aws.capacity.type",
                    "name",
                ]);
                return true;
            },
        );
        // Only the component's own registration may have started.
        assert.ok(harness.resources.slice(before).every((r) => !r.custom));
    });
    it("refuses a plan whose addresses disagree with the AWS layout", () => {
        const s = awsStackFor("fp8-2x8xh100");
        const plan = { ...s.plan, nodes: s.plan.nodes.map((n) => ({ ...n, address: `10.42.0.${100 + n.rank}` })) };
        assert.throws(() => new Cluster("moved", { plan }), /privateIps: the plan's node addresses \(10\.42\.0\.100, 10\.42\.0\.101\) differ/);
    });
    it("refuses a name too long for the NLB's 32-character names when the NLB is on", () => {
        const s = awsStackFor("fp8-8xh200");
        assert.throws(() => new Cluster("a-name-of-twenty-one1", { plan: withAws(s, { loadBalancer: true }).plan }), /^AwsConfigError: name: with loadBalancer: true the component name must be at most 20/);
    });
    it("refuses a plan for another cloud or without a region", () => {
        const s = awsStackFor("fp8-8xh200");
        assert.throws(() => new Cluster("other", { plan: { ...s.plan, cloud: "gcp" } }), /deepseek-sglang:cluster\.cloud: the plan is for gcp/);
        assert.throws(() => new Cluster("noregion", { plan: { ...s.plan, region: null } }), /aws:region: set the stack's AWS region/);
    });
    it("keeps the API key a secret in every variant", async () => {
        for (const c of clusters.values()) assert.equal(await pulumi.isSecret(c.apiKey), true);
    });
});
