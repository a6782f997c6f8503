// GcpServingCluster under Pulumi's mocks, for every GCP stack in stacks/ and capacity variants:
// VM count and machine type, NICs per machine type, compact placement, no external IP, firewall
// rules, service-account bindings, buckets, and user data per rank with rank 0's address.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { gcpPreviewCall, gcpPreviewState, type GcpPreviewWorld } from "../../src/clouds/gcp/preview-mocks";
import { GCP_ROWS, gcpStackFor, gcpStacks, withGcp, type GcpStack } from "./fixtures";

const WORLD: GcpPreviewWorld = {};
const HF_TOKEN = "hf_TESTtokenValueThatMustNeverAppear";
const PROJECT = "my-inference-project";

interface Recorded { type: string; name: string; inputs: Record<string, any>; custom: boolean }
const resources: Recorded[] = [];
const calls: { token: string; inputs: Record<string, any> }[] = [];
type Cluster = InstanceType<typeof import("../../src/clouds/gcp/cluster.js").GcpServingCluster>;
const built = new Map<string, { stack: GcpStack; cluster: Cluster }>();

const VARIANTS: Record<string, () => GcpStack> = {
    spot: () => withGcp(gcpStackFor("fp8-2x8xh100"), { capacity: { type: "spot" } }),
    flex: () => withGcp(gcpStackFor("bf16-2x8xh200"), { capacity: { type: "flex-start", maxRunHours: 48 } }),
    resv: () => withGcp(gcpStackFor("int8-16xa100"), { capacity: { type: "reservation", reservation: "a2-block" }, zone: "us-central1-c" }),
    cal: () => withGcp(gcpStackFor("fp8-2x8xh100"), { capacity: { type: "calendar", reservation: "mega-week" } }),
    mirror: () => withGcp(gcpStackFor("awq-8xa100"), { weightsBucket: { create: true } }),
    shared: () => withGcp(gcpStackFor("awq-8xa100"), { weightsBucket: { name: "team-weights" } }),
    nomirror: () => withGcp(gcpStackFor("awq-8xa100"), { weightsBucket: { create: false } }),
};
/** name -> names of its explicit dependencies, from a parent's transformation (the mock monitor has none). */
const dependsOn = new Map<string, string[]>();
let gated: Record<string, unknown> = {};

before(async () => {
    await pulumi.runtime.setMocks({
        newResource(args) {
            resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom !== false });
            if (args.custom === false) return { id: undefined, state: {} };
            return gcpPreviewState(args.type, args.name, args.inputs, WORLD);
        },
        call(args) {
            calls.push({ token: args.token, inputs: args.inputs });
            return gcpPreviewCall(args.token, args.inputs, WORLD);
        },
    }, "deepseek-sglang", "unit", false);
    const { GcpServingCluster } = require("../../src/clouds/gcp/cluster") as typeof import("../../src/clouds/gcp/cluster");
    const root = new pulumi.ComponentResource("test:index:Root", "root", {}, {
        transformations: [(args) => {
            dependsOn.set(args.name, ([] as unknown[]).concat(args.opts.dependsOn ?? []).map((d) => (d as { __name: string }).__name));
            return undefined;
        }],
    });
    const parent = { parent: root };
    for (const stack of gcpStacks()) built.set(stack.rowId, { stack, cluster: new GcpServingCluster(stack.rowId, { plan: stack.plan, hfToken: pulumi.secret(HF_TOKEN) }, parent) });
    for (const [name, make] of Object.entries(VARIANTS)) {
        const stack = make();
        built.set(name, { stack, cluster: new GcpServingCluster(name, { plan: stack.plan }, parent) });
    }
    // The program's path (deployPlan): the cluster, then the readiness gate the endpoint waits on.
    const { deployPlan } = require("../../src/clouds/index") as typeof import("../../src/clouds/index");
    gated = deployPlan({ ...gcpStackFor("fp8-2x8xh100").plan, stack: "gated" }, pulumi.secret(HF_TOKEN));
    await Promise.all([...built.values()].map(({ cluster }) => (cluster.logCommands as unknown as { promise(): Promise<unknown> }).promise()));
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    for (let i = 0; i < 3; i++) {
        if (waitForRPCs) await waitForRPCs();
        await new Promise((r) => setImmediate(r));
    }
});

const owned = (name: string) => resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
const ofType = (name: string, type: string) => owned(name).filter((r) => r.type === `gcp:${type}`);
/** The GPU VMs, rank order. */
const instances = (name: string) => ofType(name, "compute/instance:Instance").filter((r) => /-node-\d+$/.test(r.name)).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
const stagingVm = (name: string) => ofType(name, "compute/instance:Instance").find((r) => r.name === `${name}-staging`);
const MIRROR_TYPE = "pulumi-nodejs:dynamic/deepseek-sglang:MirrorComplete";
const mocked = (type: string, name: string, inputs: Record<string, any> = {}) => gcpPreviewState(type, name, inputs, WORLD);
const NICS: Record<string, string[]> = {
    "a3-ultragpu-8g": ["GVNIC", "GVNIC", ...Array(8).fill("MRDMA")],
    "a3-megagpu-8g": Array(9).fill("GVNIC"),
    "a2-ultragpu-8g": ["GVNIC"],
};

describe("every GCP row has a stack", () => {
    it("stacks/ holds one GCP stack per row GCP can serve", () => {
        assert.deepEqual(gcpStacks().map((s) => s.rowId).sort(), [...GCP_ROWS].sort());
    });
});

describe("nodes", () => {
    for (const row of GCP_ROWS) {
        it(`${row}: one VM per rank of the planned machine type, in the planned zone, with its NICs and no external IP`, () => {
            const { stack } = built.get(row)!;
            const vms = instances(row);
            assert.equal(vms.length, stack.plan.nodes.length);
            for (const [rank, vm] of vms.entries()) {
                assert.equal(vm.name, `${row}-node-${rank}`);
                assert.equal(vm.inputs.machineType, stack.plan.placement.instanceType!);
                assert.equal(vm.inputs.zone, stack.plan.placement.zone);
                const nics = vm.inputs.networkInterfaces as Record<string, any>[];
                assert.deepEqual(nics.map((n) => n.nicType), NICS[vm.inputs.machineType]);
                for (const nic of nics) assert.equal(nic.accessConfigs, undefined, "no access config: no external IP");
                assert.equal(nics[0]!.networkIp, stack.plan.nodes[rank]!.address);
                assert.equal(new Set(nics.map((n) => n.subnetwork)).size, nics.length, "every NIC on its own subnet");
                assert.equal(vm.inputs.scheduling.onHostMaintenance, "TERMINATE");
                assert.equal(vm.inputs.metadata["block-project-ssh-keys"], "TRUE");
                assert.equal(vm.inputs.serviceAccount.email, `${row}-nodes@${PROJECT}.iam.gserviceaccount.com`);
            }
            const addresses = ofType(row, "compute/address:Address");
            assert.deepEqual(addresses.map((a) => [a.inputs.addressType, a.inputs.address]), stack.plan.nodes.map((n) => ["INTERNAL", n.address]));
        });
    }
    it("compact placement for multi-node clusters, none for one node", () => {
        for (const row of GCP_ROWS) {
            const { stack } = built.get(row)!;
            const policies = ofType(row, "compute/resourcePolicy:ResourcePolicy");
            if (stack.plan.nodes.length === 1) {
                assert.equal(policies.length, 0, row);
                continue;
            }
            assert.equal(policies.length, 1, row);
            assert.deepEqual(policies[0]!.inputs.groupPlacementPolicy, { collocation: "COLLOCATED", vmCount: stack.plan.nodes.length });
            const link = mocked("gcp:compute/resourcePolicy:ResourcePolicy", policies[0]!.name, policies[0]!.inputs).state.selfLink;
            for (const vm of instances(row)) assert.equal(vm.inputs.resourcePolicies, link);
        }
    });
});

describe("networks", () => {
    it("A3 Ultra: a second gVNIC VPC and one RoCE VPC with the zone's network profile and 8 subnets", () => {
        const { stack } = built.get("fp8-8xh200")!;
        const nets = ofType("fp8-8xh200", "compute/network:Network");
        assert.deepEqual(nets.map((n) => n.name).sort(), ["fp8-8xh200-net", "fp8-8xh200-gvnic", "fp8-8xh200-rdma"].sort());
        const rdma = nets.find((n) => n.name === "fp8-8xh200-rdma")!;
        assert.equal(rdma.inputs.networkProfile, `projects/${PROJECT}/global/networkProfiles/${stack.plan.placement.zone}-vpc-roce`);
        const rdmaSubnets = ofType("fp8-8xh200", "compute/subnetwork:Subnetwork").filter((s) => s.name.startsWith("fp8-8xh200-rdma-subnet-"));
        assert.equal(rdmaSubnets.length, 8);
        for (const n of nets) assert.equal(n.inputs.autoCreateSubnetworks, false);
    });
    it("A3 Mega: 8 GPU NIC VPCs beside the system VPC; A2: the cluster VPC only", () => {
        assert.equal(ofType("fp8-2x8xh100", "compute/network:Network").filter((n) => /-gpu-\d$/.test(n.name)).length, 8);
        assert.equal(ofType("fp8-2x8xh100", "compute/network:Network").length, 9);
        assert.equal(ofType("int8-16xa100", "compute/network:Network").length, 1);
    });
    it("private nodes: Private Google Access on the cluster subnet, Cloud NAT for egress", () => {
        for (const row of GCP_ROWS) {
            const subnet = ofType(row, "compute/subnetwork:Subnetwork").find((s) => s.name === `${row}-subnet`)!;
            assert.equal(subnet.inputs.privateIpGoogleAccess, true);
            assert.equal(subnet.inputs.ipCidrRange, built.get(row)!.stack.plan.placement.network.subnetCidr);
            assert.equal(ofType(row, "compute/routerNat:RouterNat").length, 1);
        }
    });
    it("firewall: everything within the cluster, the API port only from the allow-list, SSH only from IAP", () => {
        for (const row of GCP_ROWS) {
            const rules = ofType(row, "compute/firewall:Firewall");
            const internal = rules.find((r) => r.name === `${row}-internal`)!;
            assert.deepEqual(internal.inputs.sourceRanges, ["10.43.0.0/24"]);
            const api = rules.find((r) => r.name === `${row}-api`)!;
            assert.deepEqual(api.inputs.sourceRanges, ["10.0.0.0/8"]);
            assert.deepEqual(api.inputs.allows, [{ protocol: "tcp", ports: ["30000"] }]);
            assert.deepEqual(rules.find((r) => r.name === `${row}-iap-ssh`)!.inputs.sourceRanges, ["35.235.240.0/20"]);
            for (const r of rules) {
                assert.ok(!r.inputs.sourceRanges.includes("0.0.0.0/0"), r.name);
                assert.deepEqual(r.inputs.targetTags, [`${row}-node`]);
                assert.equal(r.inputs.direction, "INGRESS");
            }
        }
    });
});

describe("identity, secrets and storage", () => {
    it("the nodes' and the staging VM's service accounts, bound only to the stack's secrets and buckets; no project-wide roles", () => {
        for (const row of GCP_ROWS) {
            assert.deepEqual(ofType(row, "serviceaccount/account:Account").map((a) => a.name).sort(), [`${row}-nodes`, `${row}-staging`]);
            const secretBindings = ofType(row, "secretmanager/secretIamMember:SecretIamMember");
            assert.deepEqual(secretBindings.map((b) => [b.name, b.inputs.role, b.inputs.secretId]).sort(), [
                [`${row}-api-key-reader`, "roles/secretmanager.secretAccessor", `${row}-api-key`],
                [`${row}-hf-token-reader`, "roles/secretmanager.secretAccessor", `${row}-hf-token`],
                [`${row}-staging-hf-token-reader`, "roles/secretmanager.secretAccessor", `${row}-hf-token`],
            ]);
            assert.deepEqual(ofType(row, "storage/bucketIAMMember:BucketIAMMember").map((b) => [b.name, b.inputs.role]).sort(), [
                [`${row}-staging-mirror-rw`, "roles/storage.objectUser"],
                [`${row}-staging-status-rw`, "roles/storage.objectUser"],
                [`${row}-state-rw`, "roles/storage.objectUser"],
                [`${row}-weights-rw`, "roles/storage.objectUser"],
            ]);
            assert.equal(owned(row).filter((r) => /projects\/iAM|organizations\/iAM|folder\/iAM/.test(r.type)).length, 0);
        }
    });
    it("the state bucket: uniform access, public access prevention, named by the stack", () => {
        const [bucket] = ofType("fp8-8xh200", "storage/bucket:Bucket");
        assert.equal(bucket!.inputs.uniformBucketLevelAccess, true);
        assert.equal(bucket!.inputs.publicAccessPrevention, "enforced");
        assert.match(bucket!.inputs.name, /^fp8-8xh200-state-[0-9a-f]{8}$/);
    });
    it("a new mirror is kept on destroy and seeded; an existing one is only read", () => {
        const roles = (n: string) => ofType(n, "storage/bucketIAMMember:BucketIAMMember").map((b) => [b.name, b.inputs.role]).sort();
        assert.deepEqual(roles("mirror"), [["mirror-staging-mirror-rw", "roles/storage.objectUser"], ["mirror-staging-status-rw", "roles/storage.objectUser"], ["mirror-state-rw", "roles/storage.objectUser"], ["mirror-weights-rw", "roles/storage.objectUser"]]);
        assert.deepEqual(roles("shared"), [["shared-staging-mirror-rw", "roles/storage.objectUser"], ["shared-staging-status-rw", "roles/storage.objectUser"], ["shared-state-rw", "roles/storage.objectUser"], ["shared-weights-read", "roles/storage.objectViewer"]]);
        assert.equal(ofType("shared", "storage/bucket:Bucket").length, 1);
        const [kept] = ofType("mirror", "storage/bucket:Bucket").filter((b) => b.name === "mirror-weights");
        assert.equal(kept!.inputs.forceDestroy, false);
        // weightsBucket.create: false: no mirror bucket, no staging, the nodes download themselves.
        assert.deepEqual(ofType("nomirror", "storage/bucket:Bucket").map((b) => b.name), ["nomirror-state"]);
        assert.equal(stagingVm("nomirror"), undefined);
        assert.equal(owned("nomirror").filter((r) => r.type === MIRROR_TYPE).length, 0);
    });
    it("secret values only as Pulumi secrets; no token without an hfToken", async () => {
        assert.deepEqual(ofType("spot", "secretmanager/secret:Secret").map((s) => s.inputs.secretId), ["spot-api-key"]);
        for (const { cluster } of built.values()) assert.equal(await pulumi.isSecret(cluster.apiKey), true);
    });
});

describe("capacity", () => {
    const sched = (n: string) => instances(n).map((vm) => vm.inputs.scheduling);
    it("spot: SPOT, deleted on preemption, still compactly placed", () => {
        for (const s of sched("spot")) assert.deepEqual(s, { onHostMaintenance: "TERMINATE", provisioningModel: "SPOT", preemptible: true, automaticRestart: false, instanceTerminationAction: "DELETE" });
        assert.equal(ofType("spot", "compute/resourcePolicy:ResourcePolicy").length, 1);
    });
    it("flex-start: FLEX_START with its bounded run time", () => {
        for (const s of sched("flex")) assert.deepEqual(s, { onHostMaintenance: "TERMINATE", provisioningModel: "FLEX_START", automaticRestart: false, instanceTerminationAction: "DELETE", maxRunDuration: { seconds: 48 * 3600 } });
    });
    it("a specific reservation and a calendar-mode reservation are consumed by name, without a policy of ours", () => {
        for (const [n, model, resv] of [["resv", "STANDARD", "a2-block"], ["cal", "RESERVATION_BOUND", "mega-week"]] as const) {
            for (const vm of instances(n)) {
                assert.equal(vm.inputs.scheduling.provisioningModel, model);
                assert.deepEqual(vm.inputs.reservationAffinity, { type: "SPECIFIC_RESERVATION", specificReservation: { key: "compute.googleapis.com/reservation-name", values: [resv] } });
                assert.equal(vm.inputs.resourcePolicies, undefined);
            }
        }
    });
    it("checks the zone's offering and the region's GPU quota before creating VMs (preemptible quota for spot), not the quota of reserved capacity", () => {
        assert.ok(calls.some((c) => c.token === "gcp:compute/getMachineTypes:getMachineTypes" && c.inputs.filter === 'name = "a3-megagpu-8g"' && c.inputs.zone === "us-central1-a"));
        const quotaIds = calls.filter((c) => c.token === "gcp:cloudquota/getSQuotaInfo:getSQuotaInfo").map((c) => c.inputs.quotaId);
        assert.ok(quotaIds.includes("GPUS-PER-GPU-FAMILY-per-project-region"));
        assert.ok(quotaIds.includes("PREEMPTIBLE-GPUS-PER-GPU-FAMILY-per-project-region"));
        // 8 stacks + spot + flex + mirror + shared + nomirror + the gated deployPlan; the two reserved variants read no quota.
        assert.equal(quotaIds.length, GCP_ROWS.length + 6);
    });
});

describe("user data", () => {
    it("every rank's cloud-init names rank 0's address, its own rank, Secret Manager ids and gs:// prefixes, never a secret value", () => {
        for (const row of GCP_ROWS) {
            const { stack } = built.get(row)!;
            const rank0 = stack.plan.nodes[0]!.address;
            for (const [rank, vm] of instances(row).entries()) {
                const text: string = vm.inputs.metadata["user-data"];
                assert.ok(text.startsWith("#cloud-config\n"));
                assert.ok(text.includes(`DSBOOT_RANK='${rank}'`), `${row} rank ${rank}`);
                assert.ok(text.includes(`DSBOOT_RANK0_ADDRESS='${rank0}'`));
                assert.ok(text.includes(`DSBOOT_CLOUD='gcp'`));
                assert.ok(text.includes(`DSBOOT_SECRET_API_KEY='projects/${PROJECT}/secrets/${row}-api-key'`));
                assert.match(text, new RegExp(`DSBOOT_STATUS_PREFIX='gs://${row}-state-[0-9a-f]{8}/status'`));
                assert.ok(!text.includes(HF_TOKEN) && !text.includes("preview"), "no secret value");
                assert.equal(text.includes("dsboot-tcpxo.service"), vm.inputs.machineType === "a3-megagpu-8g");
            }
        }
    });
    it("A3 Mega's document, with the TCPXO unit, passes cloud-init's schema check, and the unit passes systemd-analyze verify", () => {
        const text: string = instances("fp8-2x8xh100")[0]!.inputs.metadata["user-data"];
        const dir = mkdtempSync(join(tmpdir(), "gcp-ud-"));
        try {
            writeFileSync(join(dir, "ud.yaml"), text);
            const schema = spawnSync("cloud-init", ["schema", "--config-file", join(dir, "ud.yaml")], { encoding: "utf8" });
            assert.equal(schema.status, 0, schema.stdout + schema.stderr);
            const root = join(dir, "root");
            const { tcpxoUnit } = require("../../src/clouds/gcp/tcpxo") as typeof import("../../src/clouds/gcp/tcpxo");
            for (const [p, body] of [
                ["etc/systemd/system/dsboot-tcpxo.service", tcpxoUnit()],
                ["etc/systemd/system/dsboot.target", "[Unit]\nDescription=t\n"],
                ["usr/lib/systemd/system/docker.service", "[Unit]\nDescription=docker\n[Service]\nExecStart=/usr/bin/docker\n"],
                ["usr/bin/docker", "#!/bin/sh\n"],
            ] as const) {
                require("node:fs").mkdirSync(join(root, p, ".."), { recursive: true });
                writeFileSync(join(root, p), body, { mode: 0o755 });
            }
            require("node:fs").cpSync("/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, force: false });
            const verify = spawnSync("systemd-analyze", ["verify", `--root=${root}`, join(root, "etc/systemd/system/dsboot-tcpxo.service")], { encoding: "utf8" });
            assert.equal(verify.status, 0, verify.stdout + verify.stderr);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
    it("the outputs: rank 0's endpoint, the status location, IAP log commands per stage", async () => {
        const { cluster, stack } = built.get("fp8-2x8xh100")!;
        assert.equal(await (cluster.endpoint as any).promise(), `http://${stack.plan.nodes[0]!.address}:30000`);
        const logs = await (cluster.logCommands as any).promise();
        assert.match(logs["rank-1"]["dsboot-sglang.service"], /^gcloud compute ssh fp8-2x8xh100-node-1-[0-9a-f]+ --project my-inference-project --zone us-central1-a --tunnel-through-iap /);
    });
});

describe("staging before any GPU VM", () => {
    const STAGED = [...GCP_ROWS, "mirror", "shared"];
    it("every GPU VM depends on MirrorComplete, which depends on the staging VM and its self-delete grant", () => {
        for (const row of STAGED) {
            const gates = owned(row).filter((r) => r.type === MIRROR_TYPE);
            assert.deepEqual(gates.map((g) => g.name), [`${row}-mirror-complete`], row);
            assert.deepEqual(dependsOn.get(`${row}-mirror-complete`), [`${row}-staging`, `${row}-staging-self-delete`]);
            const vms = instances(row);
            assert.equal(vms.length, built.get(row)!.stack.plan.nodes.length);
            for (const vm of vms) assert.ok(dependsOn.get(vm.name)?.includes(`${row}-mirror-complete`), `${vm.name}: ${dependsOn.get(vm.name)}`);
            assert.ok(!dependsOn.get(`${row}-staging`)!.some((d) => /-node-\d+$/.test(d)), "the staging VM waits on nothing GPU-related");
            // It watches the mirror's completion record and the very status record the staging VM publishes.
            const { plan } = built.get(row)!.stack;
            const inputs = gates[0]!.inputs;
            assert.equal(inputs.repo, plan.weights.sourceRepo);
            assert.equal(inputs.revision, plan.weights.revision);
            assert.match(inputs.recordUrl, new RegExp(`^gs://[^/]+/models/${plan.weights.sourceRepo}/${plan.weights.revision}/\\.dsboot-mirror-complete\\.json$`));
            const prefix = /DSBOOT_STATUS_PREFIX='([^']+)'/.exec(stagingVm(row)!.inputs.metadata["user-data"])?.[1];
            assert.match(prefix!, /^gs:\/\/[^/]+\/staging$/);
            assert.equal(inputs.stagingStatusUrl, `${prefix}/rank-0.json`);
        }
        // Without a mirror the GPU VMs wait on nothing staged.
        for (const vm of instances("nomirror")) assert.ok(!dependsOn.get(vm.name)!.some((d) => d.endsWith("mirror-complete")));
    });

    it("the staging VM: CPU machine, private, no tag (no firewall rule admits it), disk sized to the weights, bounded run time, its own account", () => {
        const { bytesNeeded } = require("../../src/boot/render") as typeof import("../../src/boot/render");
        const { GCP_STAGING_HOST } = require("../../src/clouds/gcp/machines") as typeof import("../../src/clouds/gcp/machines");
        for (const row of STAGED) {
            const { plan } = built.get(row)!.stack;
            const vm = stagingVm(row)!.inputs;
            assert.equal(vm.machineType, GCP_STAGING_HOST.type);
            assert.equal(vm.zone, plan.placement.zone);
            assert.equal(vm.networkInterfaces.length, 1);
            assert.equal(vm.networkInterfaces[0].accessConfigs, undefined, "no external IP");
            assert.equal(vm.networkInterfaces[0].subnetwork, instances(row)[0]!.inputs.networkInterfaces[0].subnetwork, "the cluster subnet, out through its Cloud NAT");
            assert.equal(vm.tags, undefined);
            assert.ok(vm.bootDisk.initializeParams.size * 2 ** 30 >= bytesNeeded(plan));
            assert.equal(vm.bootDisk.autoDelete, true);
            assert.equal(vm.scheduling.instanceTerminationAction, "DELETE");
            assert.ok(vm.scheduling.maxRunDuration.seconds > 3600);
            assert.equal(vm.serviceAccount.email, `${row}-staging@${PROJECT}.iam.gserviceaccount.com`);
            assert.equal(vm.metadata["block-project-ssh-keys"], "TRUE");
            const text: string = vm.metadata["user-data"];
            assert.ok(text.includes("DSBOOT_STAGE_POWEROFF='1'") && text.includes("DSBOOT_WEIGHTS_MIRROR_WRITABLE='1'"));
            assert.ok(!text.includes(HF_TOKEN), "no secret value");
            const [grant] = ofType(row, "compute/instanceIAMMember:InstanceIAMMember");
            assert.equal(grant!.inputs.role, "roles/compute.instanceAdmin.v1");
            assert.equal(grant!.inputs.instanceName, mocked("gcp:compute/instance:Instance", `${row}-staging`, stagingVm(row)!.inputs).state.name);
        }
    });

    it("its grants: the state bucket's staging/ prefix only; a bucket the stack does not own, the revision's prefix only", () => {
        const grant = (row: string, which: string) => ofType(row, "storage/bucketIAMMember:BucketIAMMember").find((b) => b.name === `${row}-staging-${which}`)!.inputs;
        const status = grant("mirror", "status-rw");
        assert.match(status.condition.expression, /^resource\.name\.startsWith\("projects\/_\/buckets\/mirror-state-[0-9a-f]{8}\/objects\/staging\/"\)$/);
        assert.equal(grant("mirror", "mirror-rw").condition, undefined, "the stack's own mirror bucket");
        const shared = grant("shared", "mirror-rw");
        assert.equal(shared.bucket, "team-weights");
        const { plan } = built.get("shared")!.stack;
        assert.equal(shared.condition.expression, `resource.name.startsWith("projects/_/buckets/team-weights/objects/models/${plan.weights.sourceRepo}/${plan.weights.revision}/")`);
    });

    it("the staging VM's document passes cloud-init's schema check", () => {
        const dir = mkdtempSync(join(tmpdir(), "gcp-staging-ud-"));
        try {
            writeFileSync(join(dir, "ud.yaml"), stagingVm("bf16-2x8xh200")!.inputs.metadata["user-data"]);
            const schema = spawnSync("cloud-init", ["schema", "--config-file", join(dir, "ud.yaml")], { encoding: "utf8" });
            assert.equal(schema.status, 0, schema.stdout + schema.stderr);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("exact resource graph", () => {
    it("fp8-8xh200 (one A3 Ultra VM): 42 resources, the staging VM and its gate among them", () => {
        const r = "fp8-8xh200";
        const expected = [
            `deepseek-sglang:index:GcpServingCluster ${r}`,
            `gcp:compute/address:Address ${r}-node-0-ip`,
            ...["api", "gvnic-internal", "iap-ssh", "internal", "rdma-internal"].map((f) => `gcp:compute/firewall:Firewall ${r}-${f}`),
            `gcp:compute/instance:Instance ${r}-node-0`,
            `gcp:compute/instance:Instance ${r}-staging`,
            `gcp:compute/instanceIAMMember:InstanceIAMMember ${r}-staging-self-delete`,
            ...["gvnic", "net", "rdma"].map((n) => `gcp:compute/network:Network ${r}-${n}`),
            `gcp:compute/router:Router ${r}-router`,
            `gcp:compute/routerNat:RouterNat ${r}-nat`,
            `gcp:compute/subnetwork:Subnetwork ${r}-gvnic-subnet`,
            ...[0, 1, 2, 3, 4, 5, 6, 7].map((k) => `gcp:compute/subnetwork:Subnetwork ${r}-rdma-subnet-${k}`),
            `gcp:compute/subnetwork:Subnetwork ${r}-subnet`,
            `gcp:secretmanager/secret:Secret ${r}-api-key`,
            `gcp:secretmanager/secret:Secret ${r}-hf-token`,
            ...["api-key-reader", "hf-token-reader", "staging-hf-token-reader"].map((m) => `gcp:secretmanager/secretIamMember:SecretIamMember ${r}-${m}`),
            `gcp:secretmanager/secretVersion:SecretVersion ${r}-api-key-value`,
            `gcp:secretmanager/secretVersion:SecretVersion ${r}-hf-token-value`,
            `gcp:serviceaccount/account:Account ${r}-nodes`,
            `gcp:serviceaccount/account:Account ${r}-staging`,
            `gcp:storage/bucket:Bucket ${r}-state`,
            `gcp:storage/bucket:Bucket ${r}-weights`,
            ...["staging-mirror-rw", "staging-status-rw", "state-rw", "weights-rw"].map((m) => `gcp:storage/bucketIAMMember:BucketIAMMember ${r}-${m}`),
            `${MIRROR_TYPE} ${r}-mirror-complete`,
            `random:index/randomPassword:RandomPassword ${r}-api-key`,
        ].sort();
        assert.deepEqual(owned(r).map((x) => `${x.type} ${x.name}`).sort(), expected);
        assert.equal(expected.length, 42);
    });
});

describe("readiness gate (deployPlan)", () => {
    const GATE_TYPE = "pulumi-nodejs:dynamic/deepseek-sglang:ReadinessGate";
    const value = <T>(o: unknown) => new Promise<T>((resolve) => (o as pulumi.Output<T>).apply((v) => { resolve(v); return v; }));
    it("one gate fed the GPU VMs' ids and the gs:// status location; the endpoint and servedAt come after it", async () => {
        const gates = resources.filter((r) => r.type === GATE_TYPE);
        assert.deepEqual(gates.map((g) => g.name), ["gated-ready"]);
        const g = gates[0]!.inputs;
        assert.match(g.statusLocation, /^gs:\/\/gated-state-[0-9a-f]{8}\/status$/);
        assert.equal(g.statusLocation, await value<string>(gated["statusLocation"]));
        assert.deepEqual(g.nodeIds, await value<string[]>(gated["nodeIds"]));
        assert.equal(g.nodes, 2);
        assert.equal(typeof g.__provider, "string", "the provider, with the Cloud Storage reader, serialized into the resource");
        const deps = await (gated["endpoint"] as unknown as { allResources(): Promise<Set<pulumi.Resource>> }).allResources();
        const urns = await Promise.all([...deps].map((r) => value<string>(r.urn)));
        assert.ok(urns.some((u) => u.endsWith(`${GATE_TYPE}::gated-ready`)), JSON.stringify(urns));
        assert.ok("servedAt" in gated);
    });
});
