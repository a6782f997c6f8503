// The hosts component's real commands, end to end, over SSH against sandboxed hosts (each a real
// sshd in its own network and mount namespace, see sshd-sandbox.ts): the preflight refuses unfit
// hosts with one line per problem, install starts the pipeline, a rerun changes nothing, a changed
// plan restarts each host once, destroy leaves each host as it was found.

import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { bootFiles, bytesNeeded } from "../../src/boot/render";
import { bundleEntries, destroyCommand, hostStdin, installCommand, preflightScript, type RemoteScript } from "../../src/clouds/hosts/commands";
import { plannedHostsHooks } from "../../src/clouds/planned-hooks";
import type { ServingPlan } from "../../src/plan/types";
import type { HostsConfig } from "../../src/clouds/hosts/schema";
import { amdAsic, hostsPlan, nvidiaRows, roce } from "./fixtures";
import { footprint, startSandbox, type HostSpec, type Sandbox } from "./sshd-sandbox";

const NET = "10.78.0";
const H20 = nvidiaRows(8, "NVIDIA H20", 97_871, "580.82.07");
const good = (n: number, extra: Partial<HostSpec> = {}): HostSpec => ({ address: `${NET}.${n}`, nvidia: H20, disk: "2T", rdma: [roce()], ...extra });

// One sandbox for the whole file: hosts 0 and 1 are the two ranks of an H20 FP8 group, the rest
// are unfit in one or several ways, and two are MI300X machines.
const SPECS: HostSpec[] = [
    good(11),
    good(12),
    good(13, { nvidia: nvidiaRows(8, "NVIDIA H100 80GB HBM3", 81_559, "580.82.07") }), // 2: wrong GPU
    good(14, { disk: "100G" }), // 3: no room for the weights
    good(15, { docker: "missing" }), // 4: no docker
    good(16, { docker: "down", nvidiaToolkit: false, ntp: "no", rdma: [{ ...roce(), state: "1: DOWN" }] }), // 5: several problems
    good(17, { nvidia: nvidiaRows(4, "NVIDIA H20", 97_871, "550.54.15") }), // 6: too few GPUs, old driver
    { address: `${NET}.18`, amd: amdAsic(8, "AMD Instinct MI300X OAM: 750W SKU", "gfx942"), rocmDevices: true, disk: "2T", rdma: [roce()] }, // 7: MI300X
    { address: `${NET}.19`, amd: amdAsic(8, "AMD Instinct MI250X/MI250", "gfx90a"), disk: "2T" }, // 8: MI250X, no /dev/kfd
];

let sb: Sandbox;
before(async () => {
    sb = await startSandbox(`dsh${process.pid % 10000}`, SPECS);
});
after(() => sb?.close());

const addr = (i: number) => SPECS[i]!.address;
const H20_HOSTS = (a: string, b: string): HostsConfig => ({ addresses: [a, b], ibGidIndex: 3 });
const h20Plan = (a: string, b: string, sglang: Record<string, unknown> = {}) =>
    hostsPlan({ gpu: "H20", weights: "fp8", hosts: H20_HOSTS(a, b), model: "deepseek-ai/DeepSeek-R1-0528", sglang });

/** Preflight of host i as rank 0 of a plan whose rank-0 address is host i's. */
async function preflightAsRank0(i: number, hosts: Partial<HostsConfig> = {}) {
    const partner = addr(i === 1 ? 0 : 1);
    const plan = h20Plan(addr(i), partner);
    const cfg = { ...H20_HOSTS(addr(i), partner), ...hosts };
    return sb.run(i, preflightScript(plan, 0, cfg));
}

function refusals(stderr: string): string[] {
    return stderr.split("\n").filter(Boolean);
}

test("preflight: fit hosts pass; each unfit host is refused with one line per problem", async () => {
    const [ok0, ok1, wrongGpu, noDisk, noDocker, several, fewOld] = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => preflightAsRank0(i)));
    assert.equal(ok0!.code, 0, ok0!.stderr);
    assert.match(ok0!.stdout, /preflight ok: gpus=8 x \[NVIDIA H20\] driver=580\.82\.07 docker=27\.3\.1 disk=\d+ GB free at \/mnt rdma=mlx5_0\/1:Ethernet:ACTIVE iface=eth0 clock-synced=yes/);
    assert.equal(ok1!.code, 0, ok1!.stderr);

    assert.equal(wrongGpu!.code, 1);
    assert.deepEqual(refusals(wrongGpu!.stderr), [`rank-0 (${addr(2)}): GPU: found 8 GPU(s): [NVIDIA H100 80GB HBM3]; the plan needs 8 x H20`]);

    assert.equal(noDisk!.code, 1);
    const needGB = Math.round(bytesNeeded(h20Plan(addr(3), addr(1))) / 1e9);
    assert.deepEqual(refusals(noDisk!.stderr), [`rank-0 (${addr(3)}): disk: /mnt has 107 GB free; the weights and caches in /mnt/deepseek need ${needGB} GB`]);

    assert.equal(noDocker!.code, 1);
    assert.deepEqual(refusals(noDocker!.stderr), [`rank-0 (${addr(4)}): docker is not installed; the server runs in SGLang's image`]);

    assert.equal(several!.code, 1);
    const s = refusals(several!.stderr);
    assert.equal(s.length, 3, several!.stderr);
    assert.match(s[0]!, /docker: the daemon does not answer \(Cannot connect to the Docker daemon/);
    assert.match(s[1]!, /RDMA: no InfiniBand or RoCE port is ACTIVE \(mlx5_0\/1:Ethernet:DOWN\)/);
    assert.match(s[2]!, /clock: the system clock is not NTP-synchronized/);

    assert.equal(fewOld!.code, 1);
    assert.deepEqual(refusals(fewOld!.stderr).map((l) => l.replace(/^rank-0 \([\d.]+\): /, "")), [
        "GPU: found 4 GPU(s): [NVIDIA H20]; the plan needs 8 x H20",
        "GPU driver: 550.54.15 is older than 580, the least the image's CUDA runs on; upgrade the NVIDIA driver",
    ]);
});

test("preflight: hosts.interface must hold the rank's address; a RoCE GID index must exist", async () => {
    // The last: the plan's address is on no interface of the host (a typo in hosts.addresses).
    const [wrongIface, rightIface, noGid, typo] = await Promise.all([
        preflightAsRank0(0, { interface: "eth1" }),
        preflightAsRank0(0, { interface: "eth0" }),
        preflightAsRank0(0, { ibGidIndex: 5 }),
        sb.run(0, preflightScript(h20Plan("10.78.0.99", addr(1)), 0, H20_HOSTS("10.78.0.99", addr(1)))),
    ]);
    assert.equal(wrongIface.code, 1);
    assert.match(wrongIface.stderr, /network: interface eth1 \(hosts\.interface\) does not exist; interfaces: lo=127\.0\.0\.1 eth0=10\.78\.0\.11/);
    assert.equal(rightIface.code, 0, rightIface.stderr);
    assert.equal(noGid.code, 1);
    assert.match(noGid.stderr, /RDMA: no ACTIVE Ethernet \(RoCE\) port has a GID at index 5 \(hosts\.ibGidIndex\)/);
    assert.match(typo.stderr, /network: no interface holds 10\.78\.0\.99, the address the plan gives this host/);
});

test("preflight on ROCm: MI300X with /dev/kfd passes; an MI250X without ROCm devices is refused", async () => {
    const mi = (i: number) => {
        const plan = hostsPlan({ gpu: "MI300X", weights: "fp8", hosts: { addresses: [addr(i)] } });
        return sb.run(i, preflightScript(plan, 0, { addresses: [addr(i)] }));
    };
    const [ok, bad] = await Promise.all([mi(7), mi(8)]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /gpus=8 x \[AMD Instinct MI300X OAM: 750W SKU\]/);
    assert.equal(bad.code, 1);
    assert.deepEqual(refusals(bad.stderr).map((l) => l.replace(/^rank-0 \([\d.]+\): /, "")), [
        "GPU: found 8 GPU(s): [AMD Instinct MI250X/MI250]; the plan needs 8 x MI300X",
        "GPU: the GPUs are gfx90a; the image is built for gfx942",
        "GPU driver: the amdgpu kernel module is not loaded",
        "ROCm: /dev/kfd is missing (amdgpu driver not loaded, or no ROCm-capable GPU)",
        "ROCm: no /dev/dri/renderD* render nodes",
    ]);
});

const SECRETS = { hfToken: "hf_sandboxToken123", apiKey: "sk-sandbox-0a1b2c" };
const installOf = (plan: ServingPlan, rank: number, hosts: HostsConfig): RemoteScript => ({ command: installCommand(plan, rank, hosts), stdin: hostStdin(bundleEntries(plan, rank, SECRETS)) });
const destroyOf = (plan: ServingPlan, rank: number, hosts: HostsConfig): RemoteScript => ({ command: destroyCommand(plan, rank, hosts), stdin: hostStdin(bundleEntries(plan, rank, SECRETS)) });
const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

test("install, rerun, update, destroy: the pipeline starts, a rerun does nothing, a change restarts once, destroy leaves the host clean", async () => {
    const cfg = H20_HOSTS(addr(0), addr(1));
    const plan = h20Plan(addr(0), addr(1));
    const ranks = [0, 1];
    // Weights a previous deployment left on rank 1: destroy must keep them (by default).
    const weights = sb.hosts[1]!.path("/mnt/deepseek/models/deepseek-ai--DeepSeek-R1-0528");
    mkdirSync(weights, { recursive: true });
    writeFileSync(`${weights}/model-00001-of-000163.safetensors`, "weights");
    const before = ranks.map((i) => footprint(sb.hosts[i]!));

    // First install: every file src/boot renders, the secrets root-only, the target started once.
    const first = await Promise.all(ranks.map((r) => sb.run(r, installOf(plan, r, cfg))));
    for (const [r, res] of first.entries()) {
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /^installed \d+ files; started dsboot.target\n$/);
        const host = sb.hosts[r]!;
        for (const f of bootFiles(plan, r, plannedHostsHooks(plan, { hfToken: true }))) {
            assert.equal(readFileSync(host.path(f.path), "utf8"), f.content, f.path);
            assert.equal(mode(host.path(f.path)), f.permissions.replace(/^0/, ""), f.path);
        }
        assert.equal(mode(host.path("/etc/deepseek-sglang/secrets")), "700");
        assert.equal(readFileSync(host.path("/etc/deepseek-sglang/secrets/hf-token"), "utf8"), SECRETS.hfToken);
        assert.equal(mode(host.path("/etc/deepseek-sglang/secrets/hf-token")), "600");
        // Only rank 0 serves the API, so only rank 0 holds its key.
        assert.equal(existsSync(host.path("/etc/deepseek-sglang/secrets/api-key")), r === 0);
        assert.ok(!readFileSync(host.path("/etc/dsboot/boot.env"), "utf8").includes(SECRETS.hfToken), "boot.env holds references, not secrets");
        // enable's links, as systemctl would make them.
        assert.equal(readlinkSync(host.path("/etc/systemd/system/multi-user.target.wants/dsboot.target")), "/etc/systemd/system/dsboot.target");
        assert.deepEqual(host.systemctl().filter((l) => /^(start|restart)/.test(l)), ["start --no-block dsboot.target"]);
    }
    assert.ok(existsSync(sb.hosts[0]!.path("/opt/dsboot/bin/beacon.sh")), "rank 0 of a multi-node group runs the beacon");
    assert.ok(!existsSync(sb.hosts[1]!.path("/opt/dsboot/bin/beacon.sh")));
    assert.equal(readFileSync(sb.hosts[0]!.path("/etc/deepseek-sglang/secrets/api-key"), "utf8"), SECRETS.apiKey);

    // Rerun with no change: nothing is written or restarted.
    const calls = ranks.map((i) => sb.hosts[i]!.systemctl().length);
    const mtime = statSync(sb.hosts[0]!.path("/etc/dsboot/node.json")).mtimeMs;
    const again = await Promise.all(ranks.map((r) => sb.run(r, installOf(plan, r, cfg))));
    for (const [r, res] of again.entries()) {
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /^unchanged: \d+ units, \d+ files as installed; nothing restarted\n$/);
        assert.equal(sb.hosts[r]!.systemctl().length, calls[r], "no systemctl call on a rerun");
    }
    assert.equal(statSync(sb.hosts[0]!.path("/etc/dsboot/node.json")).mtimeMs, mtime);

    // A changed plan: each host rewrites what changed and restarts the target exactly once.
    const changed = h20Plan(addr(0), addr(1), { memFractionStatic: 0.8 });
    const upd = await Promise.all(ranks.map((r) => sb.run(r, installOf(changed, r, cfg))));
    for (const [r, res] of upd.entries()) {
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /restarted dsboot.target once/);
        const host = sb.hosts[r]!;
        assert.deepEqual(host.systemctl().filter((l) => /^(start|restart)/.test(l)), ["start --no-block dsboot.target", "restart --no-block dsboot.target"]);
        assert.ok(readFileSync(host.path("/etc/dsboot/node.json"), "utf8").includes('"0.8"'));
    }

    // Destroy: units stopped and disabled, every installed file, secret and record gone, weights kept.
    const gone = await Promise.all(ranks.map((r) => sb.run(r, destroyOf(changed, r, cfg))));
    for (const [r, res] of gone.entries()) {
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, /kept the weights in \/mnt\/deepseek/);
        assert.ok(sb.hosts[r]!.systemctl().some((l) => l.startsWith("stop dsboot.target")));
        assert.deepEqual(footprint(sb.hosts[r]!), before[r], `host ${r} is left as it was found`);
    }
    assert.equal(readFileSync(`${weights}/model-00001-of-000163.safetensors`, "utf8"), "weights");
});

test("destroy with removeWeightsOnDestroy also deletes the weights; ROCm hosts get the same pipeline", async () => {
    const cfg: HostsConfig = { addresses: [addr(7)], removeWeightsOnDestroy: true };
    const plan = hostsPlan({ gpu: "MI300X", weights: "fp8", hosts: cfg });
    const host = sb.hosts[7]!;
    const before = footprint(host);
    const res = await sb.run(7, installOf(plan, 0, cfg));
    assert.equal(res.code, 0, res.stderr);
    const env = readFileSync(host.path("/etc/dsboot/boot.env"), "utf8");
    assert.match(env, /^DSBOOT_GPU_VENDOR='amd'$/m);
    assert.match(env, /^DSBOOT_IMAGE='lmsysorg\/sglang:v[^']*-rocm[^']*'$/m);
    mkdirSync(host.path("/mnt/deepseek/models/x"), { recursive: true });
    writeFileSync(host.path("/mnt/deepseek/models/x/a.safetensors"), "w");
    const gone = await sb.run(7, destroyOf(plan, 0, cfg));
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /and the weights in \/mnt\/deepseek/);
    assert.deepEqual(footprint(host), before);
});
