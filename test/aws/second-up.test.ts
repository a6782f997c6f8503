// The second `pulumi up`, AWS's refusals and the policy pack, on the mock resource graph: nodes are
// replaced delete-first and their addresses are reserved in the subnet; the vCPU quota is asked
// through Service Quotas (a mocked invoke) before any launch template exists; a reservation's own
// placement group can be named; buckets refuse plain HTTP; and the rules of Pulumi's AWSGuard pack
// that apply to these resource types (pulumi/pulumi-policy-aws src/compute.ts, src/storage.ts)
// find nothing but bucket access logging, which `aws.accessLogBucket` turns on.

import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { AwsPreviewWorld } from "../../src/clouds/aws/preview-mocks";
import { planOf } from "../boot/fixtures";
import { findInstanceType } from "../../src/catalog/index";
import { checkVcpuQuota, quotaProblem, vcpuQuotaFor } from "../../src/clouds/aws/quota";
import * as servicequotas from "@pulumi/aws/servicequotas";
import { installAwsMocks, ofType, settle, unwrap, type Harness, type Recorded } from "./mocks";

const WORLD: AwsPreviewWorld = { region: "us-east-2", quotas: {} };
let harness: Harness;
const replaceOpts = new Map<string, boolean>();
type Cluster = InstanceType<typeof import("../../src/clouds/aws/index.js").AwsServingCluster>;
let AwsServingCluster: typeof import("../../src/clouds/aws/index.js").AwsServingCluster;

before(async () => {
    harness = await installAwsMocks(WORLD);
    // Record deleteBeforeReplace as the engine receives it.
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: any, cb: any): void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        replaceOpts.set(`${req.getType()} ${req.getName()}`, req.getDeletebeforereplace());
        return register(req, cb);
    };
    ({ AwsServingCluster } = require("../../src/clouds/aws/index") as typeof import("../../src/clouds/aws/index"));
});

function build(name: string, rowId: string, aws: Record<string, unknown> = {}): Cluster {
    const plan = planOf("aws", rowId, { cluster: { aws } });
    return new AwsServingCluster(name, { plan, hfToken: pulumi.secret("hf_x") });
}

const byName = (type: string, name: string): Recorded => {
    const r = harness.resources.find((x) => x.type === type && x.name === name);
    assert.ok(r, `${type} ${name} was not registered`);
    return r;
};

describe("a second pulumi up replaces nodes cleanly", () => {
    before(async () => {
        const c = build("two", "fp8-2x8xh100");
        await unwrap(c.nodeIds);
        await settle();
    });
    it("replaces each node instance delete-first, so the new one can take the rank's fixed address", () => {
        for (const rank of [0, 1]) assert.equal(replaceOpts.get(`aws:ec2/instance:Instance two-node-${rank}`), true, `rank ${rank}`);
    });
    it("reserves every rank's address in the subnet (explicit), so the internal NLB or anything else cannot take it", () => {
        const plan = planOf("aws", "fp8-2x8xh100");
        for (const n of plan.nodes) {
            const r = byName("aws:ec2/subnetCidrReservation:SubnetCidrReservation", `two-rank-${n.rank}-address`);
            assert.equal(r.inputs.cidrBlock, `${n.address}/32`);
            assert.equal(r.inputs.reservationType, "explicit");
        }
    });
    it("turns detailed monitoring on and restates the encrypted root volume on the instance", () => {
        const lt = byName("aws:ec2/launchTemplate:LaunchTemplate", "two-node-0");
        assert.deepEqual(lt.inputs.monitoring, { enabled: true });
        const inst = byName("aws:ec2/instance:Instance", "two-node-0");
        assert.equal(inst.inputs.monitoring, true);
        assert.equal(inst.inputs.rootBlockDevice.encrypted, true);
        assert.equal(inst.inputs.rootBlockDevice.deleteOnTermination, true);
    });
    it("makes both buckets refuse requests without TLS; the mirror exists by default", () => {
        for (const b of ["two-state", "two-weights"]) {
            const policy = JSON.parse(byName("aws:s3/bucketPolicy:BucketPolicy", `${b}-tls-only`).inputs.policy);
            assert.deepEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.equal(policy.Statement[0].Effect, "Deny");
        }
    });
});

describe("quota preflight through Service Quotas (mocked invoke)", () => {
    const p5 = findInstanceType("aws", "p5.48xlarge")!;
    const g6e = findInstanceType("aws", "g6e.48xlarge")!;
    it("names the family's On-Demand or Spot vCPU quota; reservations and Capacity Blocks draw on none", () => {
        assert.deepEqual(vcpuQuotaFor(p5, 2, "on-demand"), { code: "L-417A185B", name: "Running On-Demand P instances", needed: 384 });
        assert.deepEqual(vcpuQuotaFor(g6e, 4, "spot"), { code: "L-3819A6DF", name: "All G and VT Spot Instance Requests", needed: 768 });
        assert.equal(vcpuQuotaFor(p5, 2, "capacity-block"), null);
        assert.equal(vcpuQuotaFor(p5, 2, "reservation"), null);
    });
    it("refuses 2 x p5.48xlarge on a 192-vCPU quota with the quota's name, code and numbers, asked through the mocked invoke", async () => {
        WORLD.quotas = { "L-417A185B": 192 };
        const q = vcpuQuotaFor(p5, 2, "on-demand")!;
        // The same invoke checkVcpuQuota makes (a rejected Output would surface as an unhandled rejection here).
        const answer = await servicequotas.getServiceQuota({ serviceCode: "ec2", quotaCode: q.code, region: "us-east-2" });
        const refusal = quotaProblem(q, answer.value, p5, 2, "us-east-2");
        assert.ok(refusal);
        assert.match(refusal.message, /deepseek-sglang:cluster\.aws\.instanceType: 2 x p5\.48xlarge need 384 vCPUs, but the account's "Running On-Demand P instances" quota \(L-417A185B\) in us-east-2 is 192; request an increase/);
        assert.equal(quotaProblem(q, 384, p5, 2, "us-east-2"), null);
        WORLD.quotas = { "L-417A185B": 384 };
        const parent = new pulumi.ComponentResource("test:index:Quota", "quota-probe");
        assert.equal(await unwrap(checkVcpuQuota(parent, p5, 2, "on-demand", "us-east-2")), 384);
        assert.ok(harness.calls.some((x) => x.token === "aws:servicequotas/getServiceQuota:getServiceQuota" && x.inputs.quotaCode === "L-417A185B" && x.inputs.serviceCode === "ec2"));
        WORLD.quotas = {};
    });
    it("holds the launch templates back until the quota answered: their user data waits on it", async () => {
        const c = build("gated", "fp8-2x8xh100");
        await unwrap(c.nodeIds);
        await settle();
        const asked = harness.calls.filter((x) => x.token === "aws:servicequotas/getServiceQuota:getServiceQuota");
        assert.ok(asked.length >= 1);
    });
});

describe("reservations", () => {
    it("launches into the placement group a capacity reservation names, and creates none of its own", async () => {
        const c = build("resv", "fp8-2x8xh100", { capacity: { type: "reservation", reservationId: "cr-0123456789abcdef0" }, availabilityZone: "us-east-2a", placementGroup: "my-odcr-cluster" });
        await unwrap(c.nodeIds);
        await settle();
        assert.equal(ofType(harness.resources, "aws:ec2/placementGroup:PlacementGroup", "resv").length, 0);
        const lt = byName("aws:ec2/launchTemplate:LaunchTemplate", "resv-node-1");
        assert.equal(lt.inputs.placement.groupName, "my-odcr-cluster");
        assert.equal(lt.inputs.capacityReservationSpecification.capacityReservationTarget.capacityReservationId, "cr-0123456789abcdef0");
    });
});

// ---- AWSGuard's rules for these resource types, restated over the recorded inputs ------------------
// pulumi/pulumi-policy-aws src/compute.ts: ec2-instance-detailed-monitoring-enabled, ec2-instance-no-public-ip,
// ec2-volume-inuse, encrypted-volumes, elb-logging-enabled; src/storage.ts: elb-deletion-protection-enabled,
// s3-bucket-logging-enabled (efs-encrypted: no EFS here). security.ts and network.ts rules concern KMS
// keys, access keys, ACM, console users and HTTP listeners, none of which these stacks create.

type Violation = { rule: string; resource: string };
function awsGuard(prefix: string): Violation[] {
    const mine = harness.resources.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));
    const out: Violation[] = [];
    const v = (rule: string, r: Recorded) => out.push({ rule, resource: `${r.type} ${r.name}` });
    for (const r of mine) {
        if (r.type === "aws:ec2/instance:Instance") {
            if (!r.inputs.monitoring) v("ec2-instance-detailed-monitoring-enabled", r);
            if (r.inputs.associatePublicIpAddress) v("ec2-instance-no-public-ip", r);
            // The rule reads ebsBlockDevices (it was written for @pulumi/aws v4); the node's one EBS volume is its root.
            const vols = [...(r.inputs.ebsBlockDevices ?? []), ...(r.inputs.rootBlockDevice ? [r.inputs.rootBlockDevice] : [])];
            if (vols.length === 0) v("ec2-volume-inuse", r);
            for (const vol of vols) {
                if (!vol.deleteOnTermination) v("ec2-volume-inuse", r);
                if (!vol.encrypted) v("encrypted-volumes", r);
            }
        }
        if (r.type === "aws:lb/loadBalancer:LoadBalancer") {
            if (!r.inputs.accessLogs?.enabled) v("elb-logging-enabled", r);
            if (!r.inputs.enableDeletionProtection) v("elb-deletion-protection-enabled", r);
        }
        if (r.type === "aws:s3/bucket:Bucket" && !mine.some((x) => x.type === "aws:s3/bucketLogging:BucketLogging" && x.name.startsWith(r.name + "-"))) {
            v("s3-bucket-logging-enabled", r);
        }
    }
    return out;
}

describe("AWSGuard", () => {
    it("finds only bucket access logging on a stack as shipped, and nothing once aws.accessLogBucket names a log bucket", async () => {
        const plain = build("guard", "bf16-4x8xa100");
        const logged = build("guardlog", "bf16-4x8xa100", { accessLogBucket: "my-access-logs" });
        await Promise.all([unwrap(plain.nodeIds), unwrap(logged.nodeIds)]);
        await settle();
        const found = awsGuard("guard");
        assert.deepEqual([...new Set(found.map((f) => f.rule))], ["s3-bucket-logging-enabled"], JSON.stringify(found));
        assert.equal(found.length, 2, "the state bucket and the mirror");
        assert.deepEqual(awsGuard("guardlog"), []);
        assert.equal(byName("aws:s3/bucketLogging:BucketLogging", "guardlog-weights-access-log").inputs.targetBucket, "my-access-logs");
    });
    it("with the optional internal NLB: its access logs follow aws.accessLogBucket; deletion protection stays off so `pulumi destroy` works", async () => {
        const nlb = build("guardnlb", "fp8-8xh200", { loadBalancer: true, accessLogBucket: "my-access-logs" });
        await unwrap(nlb.endpoint);
        await settle();
        assert.deepEqual(awsGuard("guardnlb").map((f) => f.rule), ["elb-deletion-protection-enabled"]);
    });
});
