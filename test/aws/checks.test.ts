// Plan-time refusals of the `aws:` block: one test per refusal, each asserting the config path.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { awsNodeAddresses, checkAwsConfig, natSubnetCidr, resolveAwsInstanceType } from "../../src/clouds/aws/checks";
import { planFromConfig } from "../../src/plan/index";
import type { ClusterConfig } from "../../src/intent/schema";
import type { AwsConfig } from "../../src/clouds/aws/schema";
import type { GpuId } from "../../src/catalog/index";

const P = "deepseek-sglang:cluster.aws";

function cluster(aws: AwsConfig, gpu: GpuId = "H100"): ClusterConfig {
    return { cloud: "aws", gpu, weights: "fp8", aws } as ClusterConfig;
}

function problems(aws: AwsConfig, gpu: GpuId = "H100", nodes = 2, region: string | null = "us-east-2") {
    return checkAwsConfig(cluster(aws, gpu), { gpu, nodes, region });
}

function pathsOf(aws: AwsConfig, gpu: GpuId = "H100", nodes = 2): string[] {
    return problems(aws, gpu, nodes).map((p) => p.path);
}

describe("checkAwsConfig accepts", () => {
    it("an empty aws block for every GPU AWS offers", () => {
        for (const gpu of ["H200", "H100", "A100", "L40S"] as GpuId[]) assert.deepEqual(problems({}, gpu, 4), []);
    });
    it("a full bring-your-own network with matching private IPs", () => {
        assert.deepEqual(problems({
            vpcId: "vpc-0abc", subnetId: "subnet-0abc", subnetCidr: "10.9.8.0/24", privateIps: ["10.9.8.20", "10.9.8.21"],
            availabilityZone: "us-east-2b", capacity: { type: "capacity-block", reservationId: "cr-0123456789abcdef0" },
            allowedCidrs: ["192.168.0.0/16"], rootVolumeGiB: 500, weightsBucket: { name: "my-weights" }, tags: { team: "ml" },
        }), []);
    });
    it("0.0.0.0/0 with the explicit opt-in", () => {
        assert.deepEqual(problems({ allowedCidrs: ["0.0.0.0/0"], allowPublicCidr: true }), []);
    });
});

describe("checkAwsConfig refuses", () => {
    it("an unknown instance type", () => {
        const [p] = problems({ instanceType: "p9.96xlarge" });
        assert.equal(p!.path, `${P}.instanceType`);
        assert.match(p!.reason, /unknown EC2 instance type "p9\.96xlarge".*p5\.48xlarge/);
    });
    it("a type for another GPU", () => {
        const [p] = problems({ instanceType: "g6e.48xlarge" }, "H200");
        assert.equal(p!.path, `${P}.instanceType`);
        assert.match(p!.reason, /carries L40S GPUs but the cluster asks for H200; use p5en\.48xlarge or p5e\.48xlarge/);
    });
    it("p4d, whose A100s have 40 GB", () => {
        const [p] = problems({ instanceType: "p4d.24xlarge" }, "A100");
        assert.equal(p!.path, `${P}.instanceType`);
        assert.match(p!.reason, /40 GB/);
    });
    it("a GPU AWS does not offer (H800) with the cluster's gpu path", () => {
        assert.deepEqual(pathsOf({}, "H800"), ["deepseek-sglang:cluster.gpu"]);
    });
    it("a Capacity Block on g6e", () => {
        const ps = problems({ availabilityZone: "us-east-2a", capacity: { type: "capacity-block", reservationId: "cr-0123456789abcdef0" } }, "L40S", 4);
        assert.deepEqual(ps.map((p) => p.path), [`${P}.capacity.type`]);
        assert.match(ps[0]!.reason, /g6e\.48xlarge cannot run in a Capacity Block/);
    });
    it("a reservation or Capacity Block without its id", () => {
        assert.deepEqual(pathsOf({ capacity: { type: "reservation" } }), [`${P}.capacity.reservationId`]);
        assert.deepEqual(pathsOf({ capacity: { type: "capacity-block" } }), [`${P}.capacity.reservationId`]);
    });
    it("a reservation id with on-demand or spot capacity", () => {
        assert.deepEqual(pathsOf({ capacity: { type: "spot", reservationId: "cr-0123456789abcdef0" } }), [`${P}.capacity.reservationId`]);
    });
    it("a reservation in a new network without its zone", () => {
        assert.deepEqual(pathsOf({ capacity: { type: "reservation", reservationId: "cr-0123456789abcdef0" } }), [`${P}.availabilityZone`]);
    });
    it("a subnetId without vpcId and without subnetCidr", () => {
        assert.deepEqual(pathsOf({ subnetId: "subnet-0abc" }).sort(), [`${P}.subnetCidr`, `${P}.vpcId`]);
    });
    it("a vpcId without subnetId", () => {
        assert.deepEqual(pathsOf({ vpcId: "vpc-0abc" }), [`${P}.subnetId`]);
    });
    it("a privateIps list that does not match the node count", () => {
        const ps = problems({ privateIps: ["10.42.0.20"] });
        assert.deepEqual(ps.map((p) => p.path), [`${P}.privateIps`]);
        assert.match(ps[0]!.reason, /1 address\(es\) but the cluster has 2 node\(s\)/);
    });
    it("a private IP outside the subnet, reserved by AWS, or repeated, at its index", () => {
        assert.deepEqual(pathsOf({ privateIps: ["10.42.0.20", "10.43.0.5"] }), [`${P}.privateIps[1]`]);
        assert.deepEqual(pathsOf({ privateIps: ["10.42.0.2", "10.42.0.255"] }), [`${P}.privateIps[0]`, `${P}.privateIps[1]`]);
        assert.deepEqual(pathsOf({ privateIps: ["10.42.0.20", "10.42.0.20"] }), [`${P}.privateIps[1]`]);
    });
    it("0.0.0.0/0 or any /0 in allowedCidrs without allowPublicCidr", () => {
        assert.deepEqual(pathsOf({ allowedCidrs: ["10.0.0.0/8", "0.0.0.0/0"] }), [`${P}.allowedCidrs[1]`]);
        assert.deepEqual(pathsOf({ allowedCidrs: ["128.0.0.0/0"] }), [`${P}.allowedCidrs[0]`]);
    });
    it("CIDRs AWS cannot take: too large, host bits, subnet outside the VPC, no room for the NAT subnet", () => {
        assert.deepEqual(pathsOf({ vpcCidr: "10.0.0.0/8" }), [`${P}.vpcCidr`]);
        assert.deepEqual(pathsOf({ subnetCidr: "10.42.0.7/24" }), [`${P}.subnetCidr`]);
        assert.deepEqual(pathsOf({ subnetCidr: "10.50.0.0/24" }), [`${P}.subnetCidr`]);
        assert.deepEqual(pathsOf({ vpcCidr: "10.42.0.0/24", subnetCidr: "10.42.0.0/24" }), [`${P}.vpcCidr`]);
    });
    it("a subnet too small for the nodes", () => {
        assert.deepEqual(pathsOf({ vpcCidr: "10.42.0.0/16", subnetCidr: "10.42.0.0/28" }, "L40S", 8), [`${P}.subnetCidr`]);
    });
    it("an availability zone of another region, or not a zone name", () => {
        assert.deepEqual(pathsOf({ availabilityZone: "us-west-2a" }), [`${P}.availabilityZone`]);
        assert.deepEqual(pathsOf({ availabilityZone: "use2-az1" }), [`${P}.availabilityZone`]);
    });
    it("a root volume too small for the image and caches", () => {
        assert.deepEqual(pathsOf({ rootVolumeGiB: 40 }), [`${P}.rootVolumeGiB`]);
    });
    it("a weights bucket that is neither created nor named, or badly named", () => {
        assert.deepEqual(pathsOf({ weightsBucket: {} }), [`${P}.weightsBucket`]);
        assert.deepEqual(pathsOf({ weightsBucket: { name: "My_Bucket" } }), [`${P}.weightsBucket.name`]);
        assert.deepEqual(pathsOf({ weightsBucket: { create: false } }), [], "create: false turns the mirror off");
    });
    it("tags in the reserved aws: namespace", () => {
        assert.deepEqual(pathsOf({ tags: { "aws:owner": "x" } }), [`${P}.tags.aws:owner`]);
    });
    it("lists every problem at once", () => {
        const ps = pathsOf({ instanceType: "p4d.24xlarge", subnetId: "subnet-0abc", allowedCidrs: ["0.0.0.0/0"], rootVolumeGiB: 10 });
        assert.deepEqual(ps.sort(), [`${P}.allowedCidrs[0]`, `${P}.instanceType`, `${P}.rootVolumeGiB`, `${P}.subnetCidr`, `${P}.vpcId`]);
    });
});

describe("through the planner", () => {
    it("planFromConfig reports the AWS problems with their paths", () => {
        const r = planFromConfig({
            "aws:region": "us-east-2",
            "deepseek-sglang:cluster": { cloud: "aws", gpu: "L40S", weights: "int8", aws: { allowedCidrs: ["0.0.0.0/0"], capacity: { type: "capacity-block", reservationId: "cr-0123456789abcdef0" }, availabilityZone: "us-east-2a" } },
        }, { stack: null });
        assert.equal(r.ok, false);
        const paths = !r.ok ? r.problems.map((p) => p.path) : [];
        assert.ok(paths.includes(`${P}.allowedCidrs[0]`), paths.join());
        assert.ok(paths.includes(`${P}.capacity.type`), paths.join());
    });
});

describe("address layout", () => {
    it("derives consecutive addresses from offset 10 of the default subnet", () => {
        assert.deepEqual(awsNodeAddresses(cluster({}), 4), ["10.42.0.10", "10.42.0.11", "10.42.0.12", "10.42.0.13"]);
        assert.deepEqual(awsNodeAddresses(cluster({ subnetCidr: "172.20.4.0/22" }), 2), ["172.20.4.10", "172.20.4.11"]);
    });
    it("lets explicit privateIps win", () => {
        assert.deepEqual(awsNodeAddresses(cluster({ privateIps: ["10.42.0.50", "10.42.0.40"] }), 2), ["10.42.0.50", "10.42.0.40"]);
    });
    it("puts the NAT subnet in a free /28 of the VPC", () => {
        assert.equal(natSubnetCidr("10.42.0.0/16", "10.42.0.0/24"), "10.42.255.240/28");
        assert.equal(natSubnetCidr("10.42.0.0/16", "10.42.255.0/24"), "10.42.0.0/28");
        assert.equal(natSubnetCidr("10.42.0.0/24", "10.42.0.0/24"), null);
    });
    it("resolves the preferred type per GPU", () => {
        assert.equal(resolveAwsInstanceType({}, "H200")?.name, "p5en.48xlarge");
        assert.equal(resolveAwsInstanceType({}, "A100")?.name, "p4de.24xlarge");
        assert.equal(resolveAwsInstanceType({ instanceType: "p5e.48xlarge" }, "H200")?.name, "p5e.48xlarge");
    });
});
