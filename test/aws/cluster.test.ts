// AwsServingCluster under Pulumi's mocks, for every AWS stack in stacks/: shape per row, fabric,
// security group, IMDS, encryption, user data per rank, secrets, IAM, and the exact resource graph.

import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { findInstanceType } from "../../src/catalog/index";
import type { BootHooks } from "../../src/boot/hooks";
import { awsPreviewState, type AwsPreviewWorld } from "../../src/clouds/aws/preview-mocks";
import { AWS_ROWS, awsStacks, type AwsStack } from "./fixtures";
import { weightsPrefix } from "../../src/clouds/aws/storage";
import { SESSION_MANAGER_POLICY } from "../../src/clouds/aws/iam";
import { decodeLaunchTemplateUserData, installAwsMocks, ofType, ownedBy, settle, unwrap, type Harness, type Recorded } from "./mocks";

const WORLD: AwsPreviewWorld = { region: "us-east-2" };
const HF_TOKEN = "hf_TESTtokenValueThatMustNeverAppear";

type Cluster = InstanceType<typeof import("../../src/clouds/aws/index.js").AwsServingCluster>;
let harness: Harness;
let renderUserData: (plan: AwsStack["plan"], rank: number, hooks: BootHooks) => string;
const built: { stack: AwsStack; cluster: Cluster }[] = [];

before(async () => {
    harness = await installAwsMocks(WORLD);
    const { AwsServingCluster } = require("../../src/clouds/aws/index") as typeof import("../../src/clouds/aws/index");
    ({ renderUserData } = require("../../src/boot/index") as typeof import("../../src/boot/index"));
    for (const stack of awsStacks()) {
        built.push({ stack, cluster: new AwsServingCluster(stack.rowId, { plan: stack.plan, hfToken: pulumi.secret(HF_TOKEN) }) });
    }
    await Promise.all(built.map(({ cluster }) => unwrap(cluster.logCommands)));
    await settle();
});

/** The id/name the mocks gave a child, computed the way the mocks compute it. */
function mocked(type: string, name: string) {
    return awsPreviewState(type, name, {}, WORLD);
}

/** The GPU nodes' instances (`<row>-node-<rank>`), without the staging host. */
function gpuInstances(row: string): Recorded[] {
    return ofType(harness.resources, "aws:ec2/instance:Instance", row).filter((r) => /-node-\d+$/.test(r.name));
}

function launchTemplates(row: string): Recorded[] {
    return ofType(harness.resources, "aws:ec2/launchTemplate:LaunchTemplate", row).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

function expectedHooks(row: string): BootHooks {
    const region = built.find((b) => b.stack.rowId === row)!.stack.plan.region;
    const bucket = mocked("aws:s3/bucket:Bucket", `${row}-state`).state.bucket;
    return {
        cloud: "aws",
        region,
        secrets: {
            hfToken: mocked("aws:secretsmanager/secret:Secret", `${row}-hf-token`).state.arn,
            apiKey: mocked("aws:secretsmanager/secret:Secret", `${row}-api-key`).state.arn,
        },
        weightsMirror: `s3://${mocked("aws:s3/bucket:Bucket", `${row}-weights`).state.bucket}/${weightsPrefix(built.find((b) => b.stack.rowId === row)!.stack.plan)}`,
        weightsMirrorWritable: true,
        statusPrefix: `s3://${bucket}/status`,
        cachePrefix: `s3://${bucket}/cache`,
        toolsPrefix: `s3://${bucket}/cache/tools`,
    };
}

describe("every AWS row has a stack", () => {
    it("stacks/ holds one AWS stack per row the issue names", () => {
        assert.deepEqual(built.map((b) => b.stack.rowId).sort(), [...AWS_ROWS].sort());
    });
});

for (const row of AWS_ROWS) {
    describe(`${row} on AWS`, () => {
        const get = () => built.find((b) => b.stack.rowId === row)!;

        it("creates one instance per node of the row's instance type", () => {
            const { stack } = get();
            const type = findInstanceType("aws", stack.plan.placement.instanceType!)!;
            assert.equal(type.gpu, stack.plan.row.gpu);
            // The GPU nodes, and (since the staging host) one CPU instance that fills the mirror first (test/aws/staging.test.ts).
            assert.equal(gpuInstances(row).length, stack.plan.row.nodes);
            assert.deepEqual(ofType(harness.resources, "aws:ec2/instance:Instance", row).filter((r) => !/-node-\d+$/.test(r.name)).map((r) => r.name), [`${row}-staging`]);
            const lts = launchTemplates(row);
            assert.equal(lts.length, stack.plan.row.nodes);
            for (const lt of lts) assert.equal(lt.inputs.instanceType, type.name);
            for (const instance of gpuInstances(row)) {
                const lt = mocked("aws:ec2/launchTemplate:LaunchTemplate", instance.name);
                assert.deepEqual(instance.inputs.launchTemplate, { id: lt.id, version: "1" });
            }
        });

        it("puts every node in one cluster placement group, one subnet and one zone", () => {
            const groups = ofType(harness.resources, "aws:ec2/placementGroup:PlacementGroup", row);
            assert.equal(groups.length, 1);
            assert.equal(groups[0]!.inputs.strategy, "cluster");
            const groupName = mocked(groups[0]!.type, groups[0]!.name).state.name;
            const subnet = ofType(harness.resources, "aws:ec2/subnet:Subnet", row).find((s) => s.name === `${row}-subnet`)!;
            const subnetId = mocked(subnet.type, subnet.name).id;
            for (const lt of launchTemplates(row)) {
                assert.equal(lt.inputs.placement.groupName, groupName);
                assert.equal(lt.inputs.placement.availabilityZone, subnet.inputs.availabilityZone);
                for (const nic of lt.inputs.networkInterfaces) assert.equal(nic.subnetId, subnetId);
            }
        });

        it("lays out the catalog's EFA count as AWS documents, with the rank's fixed IP on the ENA primary", () => {
            const { stack } = get();
            const efa = findInstanceType("aws", stack.plan.placement.instanceType!)!.efaInterfaces;
            const expectedSlots = [[0, 0, undefined], [0, 1, "efa-only"], ...Array.from({ length: efa - 1 }, (_, i) => [i + 1, 0, "efa-only"])];
            const sgId = mocked("aws:ec2/securityGroup:SecurityGroup", `${row}-nodes`).id;
            launchTemplates(row).forEach((lt, rank) => {
                const nics = lt.inputs.networkInterfaces as Record<string, any>[];
                assert.deepEqual(nics.map((n) => [n.networkCardIndex, n.deviceIndex, n.interfaceType]), expectedSlots);
                assert.equal(nics.filter((n) => n.interfaceType === "efa-only").length, efa);
                assert.equal(nics[0]!.privateIpAddress, stack.plan.nodes[rank]!.address);
                assert.equal(nics.filter((n) => n.privateIpAddress !== undefined).length, 1);
                for (const nic of nics) assert.deepEqual(nic.securityGroups, [sgId]);
            });
        });

        it("has exactly the security-group rules: self for EFA, the API port from the VPC and the allow-list, HTTPS out", () => {
            const { stack } = get();
            const sgId = mocked("aws:ec2/securityGroup:SecurityGroup", `${row}-nodes`).id;
            const port = stack.plan.ports.http;
            const rules = [
                ...ofType(harness.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", row).map((r) => ["in", r]),
                ...ofType(harness.resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", row).map((r) => ["out", r]),
            ] as [string, Recorded][];
            const summary = rules.map(([dir, r]) => {
                assert.equal(r.inputs.securityGroupId, sgId);
                const peer = r.inputs.referencedSecurityGroupId === sgId ? "self" : r.inputs.cidrIpv4;
                return `${dir} ${r.inputs.ipProtocol} ${r.inputs.fromPort ?? "*"}-${r.inputs.toPort ?? "*"} ${peer}`;
            }).sort();
            assert.deepEqual(summary, [
                `in -1 *-* self`,
                `in tcp ${port}-${port} 10.0.0.0/8`,
                `in tcp ${port}-${port} 10.42.0.0/16`,
                `out -1 *-* self`,
                `out tcp 443-443 0.0.0.0/0`,
            ]);
            // Beside the staging host's own group (no ingress, HTTPS out; test/aws/staging.test.ts).
            const sg = ofType(harness.resources, "aws:ec2/securityGroup:SecurityGroup", row).filter((r) => r.name !== `${row}-staging`);
            assert.equal(sg.length, 1);
            assert.equal(sg[0]!.inputs.ingress, undefined, "no inline rules beside the rule resources");
        });

        it("requires IMDSv2 and encrypts every volume", () => {
            for (const lt of launchTemplates(row)) {
                assert.equal(lt.inputs.metadataOptions.httpTokens, "required");
                assert.equal(lt.inputs.metadataOptions.httpPutResponseHopLimit, 2);
                for (const device of lt.inputs.blockDeviceMappings) {
                    assert.equal(device.ebs.encrypted, "true");
                    assert.equal(device.ebs.volumeType, "gp3");
                    assert.ok(device.ebs.volumeSize >= 150);
                }
            }
            assert.equal(ofType(harness.resources, "aws:ebs/volume:Volume", row).length, 0);
            const buckets = ofType(harness.resources, "aws:s3/bucket:Bucket", row);
            const sse = ofType(harness.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", row);
            const blocks = ofType(harness.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", row);
            assert.equal(sse.length, buckets.length);
            assert.equal(blocks.length, buckets.length);
            for (const b of blocks) assert.deepEqual([b.inputs.blockPublicAcls, b.inputs.blockPublicPolicy, b.inputs.ignorePublicAcls, b.inputs.restrictPublicBuckets], [true, true, true, true]);
        });

        it("gives rank i the boot document of rank i with rank 0's address and the stack's hooks", () => {
            const { stack } = get();
            const texts = launchTemplates(row).map((lt) => decodeLaunchTemplateUserData(lt.inputs.userData));
            texts.forEach((text, rank) => {
                assert.equal(text, renderUserData(stack.plan, rank, expectedHooks(row)));
                assert.ok(text.includes(stack.plan.nodes[0]!.address), `rank ${rank} lacks rank 0's address`);
                assert.ok(text.includes(expectedHooks(row).statusPrefix));
            });
            if (texts.length > 1) assert.equal(new Set(texts).size, texts.length, "every rank has its own document");
        });

        it("keeps secrets out of user data and exports the API key as a secret", async () => {
            const { cluster } = get();
            const apiKey = await unwrap(cluster.apiKey);
            assert.equal(apiKey.length, 48);
            assert.equal(await pulumi.isSecret(cluster.apiKey), true);
            for (const lt of launchTemplates(row)) {
                const text = decodeLaunchTemplateUserData(lt.inputs.userData);
                assert.ok(!text.includes(HF_TOKEN) && !text.includes(apiKey), "a secret value leaked into user data");
                assert.ok(text.includes(expectedHooks(row).secrets.apiKey), "user data names the API key's ARN");
            }
            const versions = ofType(harness.resources, "aws:secretsmanager/secretVersion:SecretVersion", row);
            assert.deepEqual(versions.map((v) => v.name).sort(), [`${row}-api-key-value`, `${row}-hf-token-value`]);
        });

        it("grants rank 0 only the stack's secrets, status/cache prefixes, its mirror and Session Manager; workers get no API key", () => {
            const { stack } = get();
            const multi = stack.plan.nodes.length > 1;
            const policies = ofType(harness.resources, "aws:iam/rolePolicy:RolePolicy", row);
            const access = policies.filter((p) => p.name.endsWith("-access"));
            // The staging host's own role is asserted in test/aws/staging.test.ts.
            assert.deepEqual(policies.map((p) => p.name).filter((n) => n !== `${row}-staging-access`).sort(), multi ? [`${row}-node-access`, `${row}-node-ssm`, `${row}-worker-access`, `${row}-worker-ssm`] : [`${row}-node-access`, `${row}-node-ssm`]);
            // Session Manager only: never AmazonSSMManagedInstanceCore (ssm:GetParameter* on every parameter).
            for (const p of policies.filter((q) => q.name.endsWith("-ssm"))) {
                assert.deepEqual(JSON.parse(p.inputs.policy), SESSION_MANAGER_POLICY);
                assert.ok(!JSON.stringify(SESSION_MANAGER_POLICY).includes("ssm:GetParameter"));
            }
            const hooks = expectedHooks(row);
            const bucketArn = mocked("aws:s3/bucket:Bucket", `${row}-state`).state.arn;
            const resourcesOf = (name: string) => {
                const doc = JSON.parse(access.find((p) => p.name === name)!.inputs.policy);
                for (const st of doc.Statement) for (const a of st.Action) assert.ok(!a.includes("*"), `wildcard action ${a}`);
                return new Set<string>(doc.Statement.flatMap((st: { Resource: string[] }) => st.Resource));
            };
            const weightsArn = mocked("aws:s3/bucket:Bucket", `${row}-weights`).state.arn;
            const stateArns = [bucketArn, `${bucketArn}/cache/*`, `${bucketArn}/status/*`, weightsArn, `${weightsArn}/${weightsPrefix(stack.plan)}/*`];
            assert.deepEqual([...resourcesOf(`${row}-node-access`)].sort(), [...stateArns, hooks.secrets.apiKey, hooks.secrets.hfToken!].sort());
            if (multi) assert.deepEqual([...resourcesOf(`${row}-worker-access`)].sort(), [...stateArns, hooks.secrets.hfToken!].sort(), "workers never read the API key");
            assert.equal(ofType(harness.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", row).length, 0, "no managed policy attached");
            // Rank 0 boots with the leader profile, every other rank with the worker profile.
            const profileArn = (n: string) => mocked("aws:iam/instanceProfile:InstanceProfile", n).state.arn;
            for (const lt of launchTemplates(row)) {
                const rank = Number(/-node-(\d+)$/.exec(lt.name)![1]);
                assert.equal(lt.inputs.iamInstanceProfile.arn, profileArn(rank === 0 ? `${row}-node` : `${row}-worker`), lt.name);
            }
        });

        it("exports the endpoint, addresses, status location, cost and SSM log commands", async () => {
            const { stack, cluster } = get();
            assert.equal(await unwrap(cluster.endpoint), `http://${stack.plan.nodes[0]!.address}:${stack.plan.ports.http}`);
            assert.deepEqual(await unwrap(cluster.nodeAddresses), stack.plan.nodes.map((n) => n.address));
            assert.equal(await unwrap(cluster.statusLocation), expectedHooks(row).statusPrefix);
            assert.equal(await unwrap(cluster.costPerHour), stack.plan.costPerHour);
            const ids = await unwrap(cluster.nodeIds);
            assert.equal(ids.length, stack.plan.row.nodes);
            const commands = await unwrap(cluster.logCommands);
            assert.deepEqual(Object.keys(commands), ids.map((_, rank) => `rank-${rank}`));
            for (const [rank, units] of Object.entries(commands)) {
                const id = ids[Number(rank.slice("rank-".length))]!;
                for (const [unit, command] of Object.entries(units)) {
                    assert.match(command, new RegExp(`^aws ssm start-session --region us-east-\\d --target ${id} .*journalctl -u ${unit.replace(/\./g, "\\.")} -f`));
                }
            }
        });
    });
}

/** [type, name] pairs of everything one component registered, sorted. */
function graphOf(row: string): string[] {
    return ownedBy(harness.resources, row).map((r) => `${r.type} ${r.name}`).sort();
}

const NETWORK = (r: string) => [
    `aws:ec2/eip:Eip ${r}-nat-eip`,
    `aws:ec2/internetGateway:InternetGateway ${r}-igw`,
    `aws:ec2/natGateway:NatGateway ${r}-nat`,
    `aws:ec2/routeTable:RouteTable ${r}-private-rt`,
    `aws:ec2/routeTable:RouteTable ${r}-public-rt`,
    `aws:ec2/routeTableAssociation:RouteTableAssociation ${r}-private-rta`,
    `aws:ec2/routeTableAssociation:RouteTableAssociation ${r}-public-rta`,
    `aws:ec2/subnet:Subnet ${r}-nat-subnet`,
    `aws:ec2/subnet:Subnet ${r}-subnet`,
    `aws:ec2/vpc:Vpc ${r}-vpc`,
    `aws:ec2/vpcEndpoint:VpcEndpoint ${r}-s3`,
];
const SHARED = (r: string) => [
    `aws:ec2/placementGroup:PlacementGroup ${r}-nodes`,
    `aws:ec2/securityGroup:SecurityGroup ${r}-nodes`,
    `aws:iam/instanceProfile:InstanceProfile ${r}-node`,
    `aws:iam/role:Role ${r}-node`,
    `aws:iam/rolePolicy:RolePolicy ${r}-node-access`,
    `aws:iam/rolePolicy:RolePolicy ${r}-node-ssm`,
    `aws:s3/bucket:Bucket ${r}-state`,
    `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock ${r}-state-private`,
    `aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration ${r}-state-sse`,
    `aws:s3/bucketObjectv2:BucketObjectv2 ${r}-tool-dsboot-tool`,
    `aws:s3/bucketPolicy:BucketPolicy ${r}-state-tls-only`,
    `aws:s3/bucket:Bucket ${r}-weights`,
    `aws:s3/bucketPolicy:BucketPolicy ${r}-weights-tls-only`,
    `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock ${r}-weights-private`,
    `aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration ${r}-weights-sse`,
    `aws:s3/bucketObjectv2:BucketObjectv2 ${r}-tool-fp8-to-bf16`,
    `aws:s3/bucketObjectv2:BucketObjectv2 ${r}-tool-gpu-preflight`,
    `aws:s3/bucketObjectv2:BucketObjectv2 ${r}-tool-nccl-transport`,
    `aws:secretsmanager/secret:Secret ${r}-api-key`,
    `aws:secretsmanager/secret:Secret ${r}-hf-token`,
    `aws:secretsmanager/secretVersion:SecretVersion ${r}-api-key-value`,
    `aws:secretsmanager/secretVersion:SecretVersion ${r}-hf-token-value`,
    `aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule ${r}-https-out`,
    `aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule ${r}-to-self`,
    `aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule ${r}-api-from-10-0-0-0-8`,
    `aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule ${r}-api-from-vpc`,
    `aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule ${r}-from-self`,
    `deepseek-sglang:index:AwsServingCluster ${r}`,
    `random:index/randomPassword:RandomPassword ${r}-api-key`,
];
const WORKER_IDENTITY = (r: string) => [
    `aws:iam/instanceProfile:InstanceProfile ${r}-worker`,
    `aws:iam/role:Role ${r}-worker`,
    `aws:iam/rolePolicy:RolePolicy ${r}-worker-access`,
    `aws:iam/rolePolicy:RolePolicy ${r}-worker-ssm`,
];
// The staging host (weights into the mirror before any GPU node) and the gate the GPU nodes wait on.
const STAGING = (r: string) => [
    `aws:ec2/instance:Instance ${r}-staging`,
    `aws:ec2/securityGroup:SecurityGroup ${r}-staging`,
    `aws:iam/instanceProfile:InstanceProfile ${r}-staging`,
    `aws:iam/role:Role ${r}-staging`,
    `aws:iam/rolePolicy:RolePolicy ${r}-staging-access`,
    `pulumi-nodejs:dynamic/deepseek-sglang:MirrorComplete ${r}-mirror-complete`,
];
const NODE = (r: string, rank: number) => [
    `aws:ec2/instance:Instance ${r}-node-${rank}`,
    `aws:ec2/launchTemplate:LaunchTemplate ${r}-node-${rank}`,
    `aws:ec2/subnetCidrReservation:SubnetCidrReservation ${r}-rank-${rank}-address`,
];

describe("exact resource graph", () => {
    it("single node (fp8-8xh200): 49 resources", () => {
        const expected = [...NETWORK("fp8-8xh200"), ...SHARED("fp8-8xh200"), ...STAGING("fp8-8xh200"), ...NODE("fp8-8xh200", 0)].sort();
        assert.deepEqual(graphOf("fp8-8xh200"), expected);
        assert.equal(expected.length, 49);
    });
    it("two nodes (fp8-2x8xh100): 56 resources", () => {
        const expected = [...NETWORK("fp8-2x8xh100"), ...SHARED("fp8-2x8xh100"), ...STAGING("fp8-2x8xh100"), ...WORKER_IDENTITY("fp8-2x8xh100"), ...NODE("fp8-2x8xh100", 0), ...NODE("fp8-2x8xh100", 1)].sort();
        assert.deepEqual(graphOf("fp8-2x8xh100"), expected);
    });
    it("four nodes (int8-32xl40s): 62 resources, every one a child of the component", () => {
        const r = "int8-32xl40s";
        const expected = [...NETWORK(r), ...SHARED(r), ...STAGING(r), ...WORKER_IDENTITY(r), ...[0, 1, 2, 3].flatMap((k) => NODE(r, k))].sort();
        assert.deepEqual(graphOf(r), expected);
        const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
        const urns = [...monitor.getRegisteredResources().keys()].filter((u) => u.includes(`::${r}-`));
        assert.equal(urns.length, expected.length - 1, "every child registered under a urn");
        for (const urn of urns) assert.match(urn, /::deepseek-sglang:index:AwsServingCluster\$(aws|random|pulumi-nodejs):/, urn);
    });
});
