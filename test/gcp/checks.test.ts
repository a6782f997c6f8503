// Plan-time refusals of the `gcp:` block and the stack's GCP settings, each with its config path,
// and the pure deploy-time checks (zone offering, GPU quota).

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { quotaLimit, zoneProblems } from "../../src/clouds/gcp/cluster";
import { GCP_MACHINES } from "../../src/clouds/gcp/machines";
import { fabricSubnetCidrs } from "../../src/clouds/gcp/network";
import { gcpStackFor, problemsOf, withGcp } from "./fixtures";

const P = "deepseek-sglang:cluster.gcp";
const paths = (problems: { path: string }[]) => problems.map((p) => p.path).sort();

describe("the GCP placement", () => {
    it("takes the first catalog zone of the region, the default subnet and on-demand capacity", () => {
        const p = gcpStackFor("fp8-8xh200").plan.placement;
        assert.deepEqual([p.instanceType, p.zone, p.network.subnetCidr, p.capacity.type], ["a3-ultragpu-8g", "us-central1-b", "10.43.0.0/24", "on-demand"]);
        assert.equal(gcpStackFor("fp8-8xh200").plan.costPerHour, 84.81);
        assert.equal(gcpStackFor("bf16-4x8xa100").plan.costPerHour, 160.88);
    });
    it("carries the machine type's NCCL NIC names in the container env, and the transport readiness must see", () => {
        assert.equal(gcpStackFor("fp8-2x8xh100").plan.nodes[0]!.env.NCCL_FASTRAK_IFNAME!.split(",").length, 8);
        assert.equal(gcpStackFor("bf16-2x8xh200").plan.nodes[0]!.env.NCCL_NET, "gIB");
        assert.equal(gcpStackFor("int8-16xa100").plan.nodes[0]!.env.NCCL_NET, undefined);
        // The NCCL transport check (readiness.sh) is the one AWS uses for EFA, keyed by the fabric.
        assert.equal(gcpStackFor("bf16-2x8xh200").plan.transport!.network, "gIB");
        assert.equal(gcpStackFor("fp8-2x8xh100").plan.transport!.network, "FasTrak");
        assert.equal(gcpStackFor("int8-16xa100").plan.transport!.network, "Socket");
        assert.equal(gcpStackFor("fp8-8xh200").plan.transport, null, "one node: NVLink only");
    });
    it("honours a named zone, subnet and fixed addresses", () => {
        const s = withGcp(gcpStackFor("int8-16xa100"), { zone: "us-central1-c", subnetCidr: "10.9.0.0/24", privateIps: ["10.9.0.20", "10.9.0.30"] });
        assert.equal(s.plan.placement.zone, "us-central1-c");
        assert.deepEqual(s.plan.nodes.map((n) => n.address), ["10.9.0.20", "10.9.0.30"]);
    });
    it("numbers the fabric subnets as consecutive /24s", () => {
        assert.deepEqual(fabricSubnetCidrs(3), ["172.16.0.0/24", "172.16.1.0/24", "172.16.2.0/24"]);
    });
});

describe("refusals", () => {
    const h200 = gcpStackFor("fp8-8xh200");
    const a100 = gcpStackFor("int8-16xa100");
    it("missing or malformed project and region", () => {
        assert.deepEqual(paths(problemsOf(h200, {}, { "gcp:project": undefined, "gcp:region": undefined })), ["gcp:project", "gcp:region"]);
        assert.match(problemsOf(h200, {}, { "gcp:project": "Bad_Project" })[0]!.reason, /not a project id/);
    });
    it("a region without the machine type, a zone of another region, a zone that lacks the type, a malformed zone", () => {
        assert.match(problemsOf(h200, {}, { "gcp:region": "europe-north1" })[0]!.reason, /no zone of europe-north1 offers a3-ultragpu-8g; regions that do: us-central1/);
        assert.match(problemsOf(h200, { zone: "us-east4-b" })[0]!.reason, /not in the stack's region us-central1/);
        assert.match(problemsOf(h200, { zone: "us-central1-a" })[0]!.reason, /does not offer a3-ultragpu-8g; zones that do in us-central1: us-central1-b/);
        assert.deepEqual(paths(problemsOf(h200, { zone: "central" })), [`${P}.zone`]);
    });
    it("a machine type for another GPU or one that fits no row", () => {
        assert.match(problemsOf(h200, { machineType: "a3-megagpu-8g" })[0]!.reason, /has H100 GPUs, not H200/);
        assert.match(problemsOf(a100, { machineType: "a2-highgpu-8g" })[0]!.reason, /40 GB/);
    });
    it("capacity: a reservation without its name, a name without a reservation, calendar mode on A2, run time outside flex-start or over 7 days", () => {
        assert.deepEqual(paths(problemsOf(h200, { capacity: { type: "reservation" } })), [`${P}.capacity.reservation`]);
        assert.deepEqual(paths(problemsOf(h200, { capacity: { type: "spot", reservation: "r1" } })), [`${P}.capacity.reservation`]);
        assert.match(problemsOf(a100, { capacity: { type: "calendar", reservation: "r1" } })[0]!.reason, /a2-ultragpu-8g has no DWS calendar-mode reservations/);
        assert.deepEqual(paths(problemsOf(h200, { capacity: { type: "on-demand", maxRunHours: 4 } })), [`${P}.capacity.maxRunHours`]);
        assert.match(problemsOf(h200, { capacity: { type: "flex-start", maxRunHours: 200 } })[0]!.reason, /at most 168 hours/);
    });
    it("network: every problem at once, and a subnet over the fabric range", () => {
        const problems = problemsOf(a100, { subnetCidr: "10.43.0.0/24", privateIps: ["10.43.0.1", "10.44.0.9", "10.43.0.9"], allowedCidrs: ["0.0.0.0/0"] });
        assert.deepEqual(paths(problems), [`${P}.allowedCidrs[0]`, `${P}.privateIps`, `${P}.privateIps[0]`, `${P}.privateIps[1]`]);
        assert.match(problemsOf(h200, { subnetCidr: "172.16.4.0/24" })[0]!.reason, /overlaps 172\.16\.0\.0\/16/);
        assert.deepEqual(problemsOf(a100, { subnetCidr: "172.16.4.0/24" }), [], "A2 has no fabric subnets");
    });
    it("bucket names, labels, boot disk and unknown keys", () => {
        assert.deepEqual(paths(problemsOf(h200, { weightsBucket: { name: "goog-weights" }, labels: { Team: "x" }, bootDiskGiB: 20 })), [`${P}.bootDiskGiB`, `${P}.labels.Team`, `${P}.weightsBucket.name`]);
        assert.deepEqual(paths(problemsOf(h200, { zoen: "us-central1-b" } as never)), [`${P}.zoen`]);
    });
});

describe("deploy-time checks", () => {
    const mega = GCP_MACHINES["a3-megagpu-8g"]!;
    it("refuses a zone that does not offer the type and a quota below the cluster's GPUs; an unknown quota passes", () => {
        const c = { zone: "us-central1-a", machine: mega, nodes: 2 };
        assert.deepEqual(zoneProblems(c, ["a3-megagpu-8g"], 16, "q"), []);
        assert.deepEqual(zoneProblems(c, ["a3-megagpu-8g"], null, "q"), []);
        assert.deepEqual(paths(zoneProblems(c, [], 8, "q")), [`${P}.machineType`, `${P}.zone`]);
        assert.match(zoneProblems(c, ["a3-megagpu-8g"], 8, "GPUS-PER-GPU-FAMILY-per-project-region")[0]!.reason, /is 8 GPUs; 2 x a3-megagpu-8g need 16/);
    });
    it("reads the quota of the region and GPU family, most specific entry first", () => {
        const infos: { applicableLocations: string[]; details: { value: string }[]; dimensions: Record<string, string> }[] = [
            { applicableLocations: [], details: [{ value: "0" }], dimensions: { region: "us-east4", gpu_family: "NVIDIA_H100_MEGA" } },
            { applicableLocations: [], details: [{ value: "32" }], dimensions: { region: "us-central1", gpu_family: "NVIDIA_H100_MEGA" } },
            { applicableLocations: [], details: [{ value: "8" }], dimensions: { gpu_family: "NVIDIA_H100_MEGA" } },
        ];
        assert.equal(quotaLimit(infos, "us-central1", "NVIDIA_H100_MEGA"), 32);
        assert.equal(quotaLimit(infos, "europe-west4", "NVIDIA_H100_MEGA"), 8);
        assert.equal(quotaLimit(infos, "us-central1", "NVIDIA_H200"), null);
    });
});
