// HostsServingCluster under Pulumi's mocks, for every hosts stack in stacks/ and a few variants: the
// exact resource graph, the commands per host (the same strings the sshd sandbox runs), where the
// secrets travel (stdin only, API key on rank 0 only), the SSH connection, the outputs.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { listStacks, readStackFile } from "../../src/config";
import { hostsPreviewMocks, hostsPreviewState } from "../../src/clouds/hosts/preview-mocks";
import { bundleEntries, destroyCommand, hostStdin, installCommand, preflightScript } from "../../src/clouds/hosts/commands";
import type { HostsConfig } from "../../src/clouds/hosts/schema";
import { planFromConfig, type ServingPlan } from "../../src/plan/index";
import { CLUSTER_KEY, type ClusterConfig } from "../../src/intent/schema";
import { settle, unwrap } from "../aws/mocks";

const ROOT = path.resolve(__dirname, "../..");
const HF_TOKEN = "hf_TESTtokenValueThatMustNeverAppearInPlainInputs";
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nTESTKEY\n-----END OPENSSH PRIVATE KEY-----\n";
const API_KEY = hostsPreviewState("random:index/randomPassword:RandomPassword", "x", {}).state.result as string;

interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** Secret inputs reach the mocks wrapped in Pulumi's secret signature: unwrap them, remember which. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function plain(v: any): any {
    if (v && typeof v === "object" && SECRET_SIG in v) return plain(v.value);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
}
const isSecret = (v: any) => v && typeof v === "object" && SECRET_SIG in v;

function hostsStacks(): { stack: string; plan: ServingPlan }[] {
    return listStacks(ROOT)
        .map((stack) => ({ stack, config: readStackFile(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), stack) }))
        .filter(({ config }) => (config.values[CLUSTER_KEY] as ClusterConfig).cloud === "hosts")
        .map(({ stack, config }) => {
            const r = planFromConfig(config.values, { stack, secretKeys: config.secretKeys });
            if (!r.ok) throw new Error(`${stack}: ${r.problems.map((p) => p.reason).join("; ")}`);
            return { stack, plan: r.plan };
        });
}

function variant(hosts: HostsConfig, gpu = "H20", weights = "fp8"): ServingPlan {
    const r = planFromConfig({ [CLUSTER_KEY]: { cloud: "hosts", gpu, weights, hosts } }, { stack: "variant" });
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.reason}`).join("; "));
    return r.plan;
}

const resources: Recorded[] = [];
const built: { name: string; plan: ServingPlan; cluster: InstanceType<typeof import("../../src/clouds/hosts/index.js").HostsServingCluster> }[] = [];
const stacks = hostsStacks();
const CUSTOM: HostsConfig = {
    addresses: ["192.168.7.10", "192.168.7.11"],
    interface: "ens5f0np0",
    ibGidIndex: 3,
    ssh: { user: "ops", port: 2222, hosts: ["gpu-a.lab", "gpu-b.lab"], hostKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA0 gpu-a", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB1 gpu-b"], bastion: { host: "jump.lab", port: 2200, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC2 jump" } },
};

before(async () => {
    await pulumi.runtime.setMocks(hostsPreviewMocks((r) => resources.push(r)), "deepseek-sglang", "unit", false);
    const { HostsServingCluster } = require("../../src/clouds/hosts/index") as typeof import("../../src/clouds/hosts/index");
    for (const { stack, plan } of stacks) built.push({ name: stack, plan, cluster: new HostsServingCluster(stack, { plan, sshPrivateKey: pulumi.secret(SSH_KEY), hfToken: pulumi.secret(HF_TOKEN) }) });
    const custom = variant(CUSTOM);
    built.push({ name: "custom", plan: custom, cluster: new HostsServingCluster("custom", { plan: custom, sshPrivateKey: pulumi.secret(SSH_KEY) }) });
    await Promise.all(built.map(({ cluster }) => unwrap(cluster.endpoint)));
    await settle();
});

const of = (name: string) => resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
const one = (name: string) => {
    const r = resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
};

it("every row the issue names has a hosts stack: both MI300X rows, H800/H20 and A800", () => {
    const rows = stacks.map((s) => `${s.plan.row.id}:${s.plan.gpu.id}`);
    for (const want of ["fp8-8xmi300x:MI300X", "bf16-2x8xmi300x:MI300X", "fp8-2x8xh100:H20", "awq-8xh100:H800", "awq-8xa100:A800"]) assert.ok(rows.includes(want), `${want} in ${rows.join(", ")}`);
});

describe("the resource graph per stack", () => {
    for (const { stack, plan } of stacks) {
        it(`${stack}: component, API key, one preflight and one install per host`, () => {
            const ranks = plan.nodes.map((n) => n.rank);
            assert.deepEqual(of(stack).map((r) => `${r.type} ${r.name}`).sort(), [
                `deepseek-sglang:index:HostsServingCluster ${stack}`,
                `random:index/randomPassword:RandomPassword ${stack}-api-key`,
                ...ranks.flatMap((r) => [`command:remote:Command ${stack}-rank-${r}-install`, `command:remote:Command ${stack}-rank-${r}-preflight`]),
            ].sort());
            assert.deepEqual(plain(one(`${stack}-api-key`).inputs), { length: 48, special: false });
        });

        it(`${stack}: each host runs exactly the commands the sandbox runs; secrets only on stdin`, () => {
            const hosts = plan.placement.settings as HostsConfig;
            for (const { rank } of plan.nodes) {
                const pf = one(`${stack}-rank-${rank}-preflight`).inputs;
                const expected = preflightScript(plan, rank, hosts);
                assert.equal(pf.create, expected.command);
                assert.equal(pf.stdin, expected.stdin);
                assert.equal(pf.delete, undefined, "the preflight changes nothing, so it undoes nothing");
                assert.equal(pf.update, undefined, "a changed plan re-runs the preflight (replace = create)");

                const ins = one(`${stack}-rank-${rank}-install`).inputs;
                assert.equal(ins.create, installCommand(plan, rank, hosts));
                assert.equal(ins.update, ins.create, "an update runs the same idempotent install");
                assert.equal(ins.delete, destroyCommand(plan, rank, hosts));
                assert.ok(isSecret(ins.stdin), "the install's stdin carries secrets: a Pulumi secret");
                assert.equal(plain(ins.stdin), hostStdin(bundleEntries(plan, rank, { apiKey: API_KEY, hfToken: HF_TOKEN })));
                assert.equal(plain(ins.stdin).includes(Buffer.from(API_KEY).toString("base64")), rank === 0, "only rank 0 gets the API key");
                assert.ok(plain(ins.stdin).includes(Buffer.from(HF_TOKEN).toString("base64")), "every rank gets the HF token (base64 in the bundle)");
                assert.deepEqual(pf.triggers, ins.triggers, "the preflight re-runs whenever the install changes");
                for (const r of [pf, ins]) {
                    const visible = JSON.stringify({ create: r.create, update: r.update, delete: r.delete, triggers: r.triggers });
                    for (const s of [HF_TOKEN, API_KEY, SSH_KEY, "TESTKEY"]) assert.ok(!visible.includes(s), `a secret in a plain input of rank ${rank}`);
                    assert.ok(isSecret(r.connection), "the connection holds the SSH key: a secret");
                    assert.equal(r.addPreviousOutputInEnv, false);
                }
            }
        });
    }
});

describe("connections and outputs", () => {
    it("the SSH connection: user, port, per-rank host and host key, the bastion with the same key", () => {
        const conn = plain(one("custom-rank-1-install").inputs.connection);
        assert.deepEqual(conn, {
            host: "gpu-b.lab", port: 2222, user: "ops", privateKey: SSH_KEY, hostKey: CUSTOM.ssh!.hostKeys![1],
            dialErrorLimit: 10, perDialTimeout: 15,
            proxy: { host: "jump.lab", port: 2200, user: "ops", privateKey: SSH_KEY, hostKey: CUSTOM.ssh!.bastion!.hostKey, dialErrorLimit: 10, perDialTimeout: 15 },
        });
        // A non-root user runs everything under sudo -n (no password prompt can hang the deployment).
        assert.match(one("custom-rank-0-install").inputs.create, /^sudo -n bash -s -- install /);
        assert.match(one("custom-rank-0-preflight").inputs.create, /^sudo -n bash -s -- /);
        assert.match(one("custom-rank-0-preflight").inputs.create, / iface=ens5f0np0 rdma=1 gid=3$/);
    });

    it("hosts.interface and hosts.ibGidIndex reach every container's env (NCCL, Gloo, RoCE)", () => {
        const plan = built.find((b) => b.name === "custom")!.plan;
        for (const n of plan.nodes) {
            assert.equal(n.env.NCCL_SOCKET_IFNAME, "ens5f0np0");
            assert.equal(n.env.GLOO_SOCKET_IFNAME, "ens5f0np0");
            assert.equal(n.env.NCCL_IB_GID_INDEX, "3");
        }
    });

    it("outputs: endpoint on rank 0, secret API key, addresses, status and log commands through the bastion", async () => {
        const { cluster, plan } = built.find((b) => b.name === "custom")!;
        assert.equal(await unwrap(cluster.endpoint), `http://192.168.7.10:${plan.ports.http}`);
        assert.equal(await unwrap(cluster.apiKey), API_KEY);
        assert.ok(await (cluster.apiKey as any).isSecret, "apiKey is a secret output");
        assert.deepEqual(await unwrap(cluster.nodeAddresses), ["192.168.7.10", "192.168.7.11"]);
        assert.deepEqual(await unwrap(cluster.nodeIds), ["ops@gpu-a.lab", "ops@gpu-b.lab"]);
        assert.equal(await unwrap(cluster.costPerHour), null);
        assert.equal(await unwrap(cluster.statusLocation), "/var/lib/deepseek-sglang/status");
        const logs = await unwrap(cluster.logCommands);
        assert.deepEqual(Object.keys(logs), ["rank-0", "rank-1"]);
        assert.equal(logs["rank-1"]!["dsboot-sglang.service"], "ssh -J ops@jump.lab:2200 -p 2222 ops@gpu-b.lab -- 'sudo journalctl -u dsboot-sglang.service -f --no-pager'");
        assert.equal(logs["rank-0"]!.status, "ssh -J ops@jump.lab:2200 -p 2222 ops@gpu-a.lab -- 'sudo cat /var/lib/deepseek-sglang/status/rank-0.json'");
        assert.ok("dsboot-beacon.service" in logs["rank-0"]! && !("dsboot-beacon.service" in logs["rank-1"]!));
    });
});

describe("refusals before anything is created", () => {
    it("the hosts block: per-rank lists must match the node count; duplicates refused", () => {
        const r = planFromConfig({ [CLUSTER_KEY]: { cloud: "hosts", gpu: "H20", weights: "fp8", hosts: { addresses: ["10.0.0.1", "10.0.0.1"], ssh: { hosts: ["a"], hostKeys: ["ssh-rsa AAAA"] } } } }, { stack: null });
        assert.ok(!r.ok);
        assert.deepEqual(r.problems.map((p) => p.path).sort(), [
            "deepseek-sglang:cluster.hosts.addresses[1]",
            "deepseek-sglang:cluster.hosts.ssh.hostKeys",
            "deepseek-sglang:cluster.hosts.ssh.hosts",
        ]);
    });

    it("the SSH key must be a secret and must be set", async () => {
        const r = planFromConfig({ [CLUSTER_KEY]: { cloud: "hosts", gpu: "MI300X", weights: "fp8", hosts: { addresses: ["10.0.0.1"] } }, "deepseek-sglang:sshPrivateKey": "-----BEGIN" }, { stack: null });
        assert.ok(!r.ok);
        assert.match(r.problems.map((p) => `${p.path}: ${p.reason}`).join("\n"), /^deepseek-sglang:sshPrivateKey: must be a Pulumi secret/m);
        const { hostsServingCluster } = require("../../src/clouds/hosts/index") as typeof import("../../src/clouds/hosts/index");
        const before = resources.length;
        assert.throws(() => hostsServingCluster("nokey", { plan: variant({ addresses: ["10.0.0.9"] }, "MI300X") }), (e: Error) => e instanceof pulumi.RunError && /^deepseek-sglang:sshPrivateKey: missing/.test(e.message));
        await settle();
        assert.equal(resources.length, before, "nothing registered");
    });
});
