// The real stage scripts, as rendered into user data, run in a temp root against stand-ins:
// a local Hugging Face stand-in on 127.0.0.1, fake docker/aws/s5cmd, and a fake SGLang server.

import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import type { BootHooks } from "../../src/boot/hooks";
import type { ServingPlan } from "../../src/plan/types";
import { hooksFor, planOf } from "./fixtures";
import {
    cleanupNode,
    createNetns,
    dockerCalls,
    makeNode,
    runScript,
    serverEvents,
    startScript,
    STANDINS,
    statusRecord,
    stockTools,
    waitFor,
    type SandboxNode,
} from "./sandbox";
import { sampleRepo, startWeightsServer, type Faults, type FakeRepo } from "./weights-server";
import { skipOrFail } from "../support/requirements";

const API_KEY = "sk-test-0f3c9a7e5d1b";
const HF_TOKEN = "hf_sandboxTokenAbcdefghijklmnop";
const nodes: SandboxNode[] = [];
after(() => nodes.forEach(cleanupNode));

function hostsPlan(address = "10.88.0.11"): ServingPlan {
    // fp8-8xh200: one node, API key on rank 0, DeepGEMM precompile on (Hopper + FP8).
    return planOf("hosts", "fp8-8xh200", { addresses: [address] });
}

function hostsHooks(plan: ServingPlan): BootHooks {
    return hooksFor(plan, { secrets: { hfToken: "/etc/dsboot-secrets/hf-token", apiKey: "/etc/dsboot-secrets/api-key" } });
}

/** A node whose secret files exist in its root, as the hosts component would place them. */
function hostsNode(plan: ServingPlan, repoUrl: string, overrides: Record<string, string> = {}, netns: string | null = null): SandboxNode {
    const node = makeNode(plan, 0, hostsHooks(plan), { DSBOOT_HF_ENDPOINT: repoUrl, ...overrides }, netns);
    mkdirSync(join(node.root, "etc/dsboot-secrets"), { recursive: true });
    writeFileSync(join(node.root, "etc/dsboot-secrets/api-key"), `${API_KEY}\n`);
    writeFileSync(join(node.root, "etc/dsboot-secrets/hf-token"), `${HF_TOKEN}\n`);
    nodes.push(node);
    return node;
}

const weightsDir = (node: SandboxNode, plan: ServingPlan) => join(node.root, plan.weights.hostDir);
const published = (node: SandboxNode) => JSON.parse(readFileSync(join(node.root, "var/lib/dsboot-status/rank-0.json"), "utf8"));

async function fetched(repo: FakeRepo, faults: Faults, overrides: Record<string, string> = {}) {
    const server = await startWeightsServer(repo, { token: HF_TOKEN, ...faults });
    const plan = hostsPlan();
    const node = hostsNode(plan, server.url, overrides);
    const result = await runScript(node, "fetch-weights.sh", 60_000);
    await server.close();
    return { server, plan, node, result };
}

test("fetch: an interrupted download resumes, a corrupt file is fetched again, the marker comes last", async () => {
    const repo = sampleRepo();
    const [cut, bad] = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    const { server, plan, node, result } = await fetched(repo, { truncateOnce: [cut], corruptOnce: [bad] });
    assert.equal(result.code, 0, result.stderr);

    const cutRequests = server.requests.filter((r) => r.path.endsWith(cut));
    assert.equal(cutRequests.length, 2, "cut transfer is requested twice");
    assert.equal(cutRequests[0]!.range, null);
    const half = repo.files[cut]!.length >> 1;
    assert.equal(cutRequests[1]!.range, `bytes=${half}-`, "the second request resumes from the bytes already on disk");

    const badRequests = server.requests.filter((r) => r.path.endsWith(bad));
    assert.equal(badRequests.length, 2, "corrupt file fetched again");
    assert.equal(badRequests[1]!.range, null, "a corrupt file is fetched whole, not appended to");
    assert.match(result.stderr, /hash mismatch/);

    const dir = weightsDir(node, plan);
    for (const [p, data] of Object.entries(repo.files)) assert.ok(readFileSync(join(dir, p)).equals(data), p);
    assert.ok(existsSync(join(dir, ".dsboot-verified")));
    // Pinned to the commit the API named, with the token from the secret store on every call.
    assert.ok(server.requests.filter((r) => r.path.includes("/resolve/")).every((r) => r.path.includes(`/resolve/${repo.commit}/`)));
    assert.ok(server.requests.every((r) => r.auth === `Bearer ${HF_TOKEN}`));
    assert.ok(!result.stderr.includes(HF_TOKEN), "the token never reaches the log");
    assert.ok(!readFileSync(join(node.root, "etc/dsboot/boot.env"), "utf8").includes(HF_TOKEN));
    const secretFile = join(node.root, "run/dsboot/secrets/hf-token");
    assert.equal(readFileSync(secretFile, "utf8"), HF_TOKEN);
    assert.equal(statSync(join(node.root, "run/dsboot/secrets")).mode & 0o077, 0, "secrets dir is root-only");
    assert.equal(statSync(secretFile).mode & 0o077, 0, "secret file is root-only");

    assert.equal(published(node).stages["fetch-weights"].state, "complete");

    // A reboot re-runs the stage: the marker makes it a no-op.
    const again = await startWeightsServer(repo, { token: HF_TOKEN });
    const rerun = await runScript(node, "fetch-weights.sh", 30_000);
    await again.close();
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(again.requests.length, 0, "nothing is downloaded twice");
});

test("fetch: a mirror that lacks files falls back to Hugging Face, and rank 0 seeds the mirror", async () => {
    const repo = sampleRepo();
    const server = await startWeightsServer(repo, { token: HF_TOKEN });
    const plan = hostsPlan();
    const mirror = { DSBOOT_WEIGHTS_MIRROR: "/srv/mirror", DSBOOT_WEIGHTS_MIRROR_WRITABLE: "1" };
    const stock = (node: SandboxNode, files: string[]) => {
        mkdirSync(join(node.root, "srv/mirror"), { recursive: true });
        for (const f of files) writeFileSync(join(node.root, "srv/mirror", f), repo.files[f]!);
    };
    try {
        // A half-stocked mirror: two files there, two only on Hugging Face.
        const first = hostsNode(plan, server.url, mirror);
        stock(first, ["config.json", "model-00001-of-00002.safetensors"]);
        const r1 = await runScript(first, "fetch-weights.sh", 60_000);
        assert.equal(r1.code, 0, r1.stderr);
        const fromHf = server.requests.filter((r) => r.path.includes("/resolve/")).map((r) => r.path.split("/").pop()).sort();
        assert.deepEqual(fromHf, ["model-00002-of-00002.safetensors", "tokenizer.json"], "only what the mirror lacks comes from Hugging Face");
        for (const [p, data] of Object.entries(repo.files)) {
            assert.ok(readFileSync(join(first.root, "srv/mirror", p)).equals(data), `mirror seeded with ${p}`);
        }
        assert.equal(published(first).stages["fetch-weights"].state, "complete");

        // A read-only mirror is never written to.
        const ro = hostsNode(plan, server.url, { ...mirror, DSBOOT_WEIGHTS_MIRROR_WRITABLE: "0" });
        stock(ro, ["config.json"]);
        const r2 = await runScript(ro, "fetch-weights.sh", 60_000);
        assert.equal(r2.code, 0, r2.stderr);
        assert.deepEqual(readdirSync(join(ro.root, "srv/mirror")), ["config.json"]);
    } finally {
        await server.close();
    }
});

test("fetch: weights that never verify leave no marker, and the server refuses to start", async () => {
    const repo = sampleRepo();
    const { plan, node, result } = await fetched(repo, { corruptAlways: ["model-00002-of-00002.safetensors"] }, { DSBOOT_FETCH_ROUNDS: "2" });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /still missing or corrupt after 2 rounds/);
    assert.ok(!existsSync(join(weightsDir(node, plan), ".dsboot-verified")));
    const st = published(node);
    assert.equal(st.state, "failed");
    assert.match(st.lastError.message, /model-00002/);

    const server = await runScript(node, "sglang.sh", 20_000);
    assert.notEqual(server.code, 0);
    assert.match(server.stderr, /not verified; refusing to start/);
    assert.ok(!dockerCalls(node).some((a) => a[0] === "run"), "docker run never called");
    assert.equal(serverEvents(node).length, 0);
});

test("server: docker runs exactly the plan's argv; the key is swapped in only inside the container", async (t) => {
    const plan = hostsPlan("10.88.0.21");
    const ns = createNetns(`dsb${process.pid % 10000}s`, [plan.nodes[0]!.address]);
    if (!ns) return skipOrFail(t, "network namespaces (root and iproute2)");
    try {
        const repo = sampleRepo();
        const server = await startWeightsServer(repo, { token: HF_TOKEN });
        const node = hostsNode(plan, server.url, {}, ns.names[0]!);
        // Downloads run outside the namespace (the weights stand-in listens on the host's loopback).
        const fetch = await runScript({ ...node, netns: null }, "fetch-weights.sh", 60_000);
        await server.close();
        assert.equal(fetch.code, 0, fetch.stderr);
        const verifiedAt = statusRecord(node).stages["fetch-weights"].endedAt;

        const pre = await runScript(node, "precompile.sh", 60_000);
        assert.equal(pre.code, 0, pre.stderr);
        const sglang = startScript(node, "sglang.sh");
        const ready = startScript(node, "readiness.sh");
        try {
            // The published record is what users watch; it is written just after the local one.
            const publishedServing = () => {
                try {
                    return published(node).state === "serving";
                } catch {
                    return false; // not written yet, or caught mid-write
                }
            };
            await waitFor("rank 0 serving", () => existsSync(join(node.root, "var/lib/dsboot/status.json")) && statusRecord(node).state === "serving" && publishedServing(), 30_000);
        } finally {
            await ready.stop();
            await sglang.stop();
        }

        const runs = dockerCalls(node).filter((a) => a[0] === "run");
        const image = plan.sglang.image;
        const serverRun = runs.find((a) => a.includes("dsboot-sglang"))!;
        const launch = serverRun.slice(serverRun.indexOf(image) + 1);
        assert.deepEqual(launch, plan.nodes[0]!.launch, "argv after the image is the plan's, placeholder included");
        for (const [flag, value] of [["--gpus", "all"], ["--network", "host"], ["--ipc", "host"], ["--shm-size", "32g"]]) {
            assert.equal(serverRun[serverRun.indexOf(flag!) + 1], value, flag);
        }
        assert.ok(serverRun.includes("--privileged"));

        const precompileRun = runs.find((a) => a.includes("dsboot-precompile"))!;
        assert.deepEqual(precompileRun.slice(precompileRun.indexOf(image) + 1), plan.nodes[0]!.precompile);

        const start = serverEvents(node).find((e) => e.kind === "start")!;
        const expected = plan.nodes[0]!.launch.map((a) => (a === plan.apiKeyPlaceholder ? API_KEY : a));
        assert.deepEqual(start.argv, expected.slice(3), "the server process got the plan's argv with the key swapped in");
        assert.equal(start.env!.SGLANG_HOST_IP, plan.nodes[0]!.address);
        assert.equal(start.env!.NCCL_SOCKET_IFNAME, "eth0", "socket interface detected from the node's own address");
        assert.equal(start.env!.GLOO_SOCKET_IFNAME, "eth0");
        assert.ok(start.t * 1000 > Date.parse(verifiedAt), "the server started after the weights verified");

        assert.ok(!JSON.stringify(dockerCalls(node)).includes(API_KEY), "the key is not in docker's argv");
        assert.ok(!readFileSync(join(node.root, "run/dsboot/sglang.env"), "utf8").includes(API_KEY));
        assert.ok(!readFileSync(join(node.root, "var/lib/dsboot/status.json"), "utf8").includes(API_KEY));
        assert.ok(!sglang.stderr().includes(API_KEY) && !ready.stderr().includes(API_KEY), "the key is not in the logs");
        assert.equal(published(node).state, "serving");
    } finally {
        ns.destroy();
    }
});

test("server: a node that exhausts its restart budget stops and reports failure", async () => {
    const repo = sampleRepo();
    const { node, result } = await fetched(repo, {}, { DSBOOT_RESTART_BUDGET: "2" });
    assert.equal(result.code, 0, result.stderr);
    writeFileSync(join(node.state, "crash"), "");
    const r = await runScript(node, "sglang.sh", 30_000);
    assert.notEqual(r.code, 0);
    assert.equal(dockerCalls(node).filter((a) => a[0] === "run").length, 3, "first start + 2 restarts, then no more");
    assert.equal(serverEvents(node).filter((e) => e.kind === "crash").length, 3);
    const st = published(node);
    assert.equal(st.state, "failed");
    assert.equal(st.stage, "sglang");
    assert.match(st.lastError.message, /restart budget of 2 spent/);
});

test("caches (AWS hooks): a DeepGEMM cache miss compiles and saves; a hit on the next node skips compilation", async () => {
    const repo = sampleRepo();
    const plan = planOf("aws", "fp8-8xh200");
    const hooks = hooksFor(plan, { secrets: { hfToken: null, apiKey: "arn:aws:secretsmanager:us-east-2:1:secret:api" } });
    const bucket = join(nodes.length ? nodes[0]!.root : "/tmp", `s3-${process.pid}`);
    const mirror = join(bucket, hooks.weightsMirror!.slice("s3://".length));
    mkdirSync(mirror, { recursive: true });
    for (const [p, data] of Object.entries(repo.files)) writeFileSync(join(mirror, p), data);
    const server = await startWeightsServer(repo); // manifest source only: bytes come from the mirror
    const env = { STANDIN_S3: bucket };
    stockTools(hooks.toolsPrefix!, bucket);

    const run = async () => {
        const node = makeNode(plan, 0, hooks, { DSBOOT_HF_ENDPOINT: server.url });
        nodes.push(node);
        const fetch = await runScript(node, "fetch-weights.sh", 60_000, [], env);
        assert.equal(fetch.code, 0, fetch.stderr);
        const pre = await runScript(node, "precompile.sh", 60_000, [], env);
        assert.equal(pre.code, 0, pre.stderr);
        return node;
    };
    const first = await run();
    const second = await run();
    await server.close();

    // Weights came from the mirror with s5cmd, never from the Hub's file endpoint.
    assert.ok(!server.requests.some((r) => r.path.includes("/resolve/")));
    assert.ok(existsSync(join(first.state, "s5cmd.jsonl")));
    const key = plan.deepgemm.cacheKey!;
    assert.equal(serverEvents(first).filter((e) => e.kind === "precompile").length, 1, "cache miss: compiled once");
    assert.ok(existsSync(join(bucket, hooks.cachePrefix!.slice("s3://".length), "deepgemm", `${key}.tar.gz`)), "saved under its key");
    assert.equal(serverEvents(second).filter((e) => e.kind === "precompile").length, 0, "cache hit: no compilation");
    assert.ok(!dockerCalls(second).some((a) => a[0] === "run"));
    const restored = join(second.root, plan.deepgemm.hostCacheDir, "kernel-sm90.cubin");
    assert.equal(readFileSync(restored, "utf8"), "compiled\n");
    const statusPath = join(bucket, hooks.statusPrefix.slice("s3://".length), "rank-0.json");
    const st = JSON.parse(readFileSync(statusPath, "utf8"));
    assert.equal(st.deepgemm, "cache-hit");
    assert.equal(st.stages.precompile.state, "complete");
    const sha = createHash("sha256").update(readFileSync(join(second.root, plan.weights.hostDir, "config.json"))).digest("hex");
    assert.equal(sha, createHash("sha256").update(repo.files["config.json"]!).digest("hex"));
});

/** Stand-ins for the block-device tools, recording their calls. */
function storageStandins(node: SandboxNode, disks: string): string {
    const bin = join(node.root, "storage-bin");
    mkdirSync(bin, { recursive: true });
    const rec = (name: string, body = "") =>
        writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >>"$STANDIN_STATE/storage.log"\n${body}\n`, { mode: 0o755 });
    rec("lsblk", `case "$*" in *NAME,TYPE,MODEL*) printf '%s\\n' ${disks} ;; *-nro*) echo "\${@: -1}" ;; *) echo "" ;; esac`);
    rec("mountpoint", `[ -f "$STANDIN_STATE/mounted" ]`);
    rec("mdadm", "exit 0");
    rec("mkfs.xfs", "exit 0");
    rec("mount", `touch "$STANDIN_STATE/mounted"`);
    for (const f of readdirSync(bin)) chmodSync(join(bin, f), 0o755);
    return bin;
}

test("storage: blank NVMe disks become one RAID0 volume; EBS disks are left alone; too little space fails", async () => {
    const plan = hostsPlan();
    const node = hostsNode(plan, "http://127.0.0.1:9", { DSBOOT_NEED_BYTES: "1024" });
    const disks = `"/dev/nvme1n1 disk Amazon EC2 NVMe Instance Storage" "/dev/nvme2n1 disk Amazon EC2 NVMe Instance Storage" "/dev/nvme0n1 disk Amazon Elastic Block Store"`;
    const bin = storageStandins(node, disks);
    const r = await runScript(node, "prepare-storage.sh", 20_000, [], { PATH: `${bin}:${STANDINS}/bin:${process.env.PATH}` });
    assert.equal(r.code, 0, r.stderr);
    const log = readFileSync(join(node.state, "storage.log"), "utf8");
    assert.match(log, /mdadm --create \/dev\/md\/dsboot --name=dsboot --level=0 --chunk=256 --raid-devices=2 --force --run \/dev\/nvme1n1 \/dev\/nvme2n1/);
    assert.doesNotMatch(log, /nvme0n1 .*--create|--create.*nvme0n1/);
    assert.match(log, new RegExp(`mount -o noatime /dev/md/dsboot ${join(node.root, "mnt/deepseek")}`));

    // Second boot: already mounted, nothing is created again.
    const again = await runScript(node, "prepare-storage.sh", 20_000, [], { PATH: `${bin}:${STANDINS}/bin:${process.env.PATH}` });
    assert.equal(again.code, 0);
    assert.equal(readFileSync(join(node.state, "storage.log"), "utf8").match(/mdadm --create/g)!.length, 1);

    // No NVMe, and the root disk cannot hold the weights: fail with the numbers.
    const small = hostsNode(plan, "http://127.0.0.1:9", { DSBOOT_NEED_BYTES: "1000000000000000000" });
    const none = storageStandins(small, "");
    const f = await runScript(small, "prepare-storage.sh", 20_000, [], { PATH: `${none}:${STANDINS}/bin:${process.env.PATH}` });
    assert.notEqual(f.code, 0);
    assert.match(f.stderr, /bytes free; weights and caches need 1000000000000000000/);
    assert.equal(published(small).state, "failed");
});

test("gpu preflight: the recorded H200 driver passes and is recorded; a 570 driver under a CUDA 13 image fails before any download", async () => {
    const plan = hostsPlan();
    const node = hostsNode(plan, "http://127.0.0.1:9", { DSBOOT_NEED_BYTES: "1024" });
    const bin = storageStandins(node, "");
    const ok = await runScript(node, "prepare-storage.sh", 20_000, [], { PATH: `${bin}:${STANDINS}/bin:${process.env.PATH}` });
    assert.equal(ok.code, 0, ok.stderr);
    const rec = published(node);
    assert.equal(rec.stages["gpu-preflight"].state, "complete");
    assert.equal(rec.driver, "580.159.04");
    assert.equal(rec.gpus, 8);

    const old = hostsNode(plan, "http://127.0.0.1:9", { DSBOOT_NEED_BYTES: "1024" });
    writeFileSync(join(old.state, "nvidia-smi.csv"), "name, driver_version, memory.total [MiB]\n" + "NVIDIA H200, 570.172.08, 143771 MiB\n".repeat(8));
    const refused = await runScript(old, "prepare-storage.sh", 20_000, [], { PATH: `${storageStandins(old, "")}:${STANDINS}/bin:${process.env.PATH}` });
    assert.notEqual(refused.code, 0);
    const r = published(old);
    assert.equal(r.stages["gpu-preflight"].state, "failed");
    assert.match(r.lastError.message, /driver 570\.172\.08 is older than 580, the minimum for the image/);
    assert.equal(r.stages["prepare-storage"], undefined, "nothing after the refusal ran");
    assert.ok(!existsSync(join(old.state, "storage.log")) || !readFileSync(join(old.state, "storage.log"), "utf8").includes("mount "));
});

test("caches: a worker rejoining a running group skips the DeepGEMM precompile instead of waiting for partners", async () => {
    const plan = planOf("hosts", "fp8-2x8xh100", { gpu: "H100", addresses: ["10.88.1.10", "10.88.1.11"] });
    assert.ok(plan.deepgemm.precompile);
    // Rank 0's beacon answers with an epoch: its server already runs. (Later: 404, a fresh group.)
    let epoch: string | null = "1700000000000000000\n";
    const beacon = createServer((_req, res) => (epoch ? res.end(epoch) : res.writeHead(404).end()));
    await new Promise<void>((r) => beacon.listen(0, "127.0.0.1", r));
    const port = (beacon.address() as AddressInfo).port;
    try {
        const worker = makeNode(plan, 1, hooksFor(plan), { DSBOOT_RANK0_ADDRESS: "127.0.0.1", DSBOOT_BEACON_PORT: String(port) });
        nodes.push(worker);
        const pre = await runScript(worker, "precompile.sh", 30_000);
        assert.equal(pre.code, 0, pre.stderr);
        assert.match(pre.stderr, /rank 0 is already serving; skipping DeepGEMM precompile/);
        assert.ok(!dockerCalls(worker).some((a) => a[0] === "run"), "no precompile container");

        // Rank 0 is up but has no server yet (a fresh group): the worker compiles together with rank 0
        // (whose rendezvous this stand-in gives up on after a second: only the container run matters).
        epoch = null;
        // (This node's address is loopback here, so the NIC detection that multi-node requires finds one.)
        const fresh = makeNode(plan, 1, hooksFor(plan), { DSBOOT_RANK0_ADDRESS: "127.0.0.1", DSBOOT_BEACON_PORT: String(port), DSBOOT_ADDRESS: "127.0.0.1" });
        nodes.push(fresh);
        const pre2 = await runScript(fresh, "precompile.sh", 60_000, [], { STANDIN_RENDEZVOUS_S: "1" });
        assert.equal(pre2.code, 0, pre2.stderr);
        assert.ok(dockerCalls(fresh).some((a) => a[0] === "run" && a.includes("dsboot-precompile")), "precompile container ran");
    } finally {
        beacon.close();
    }
});

/** A synthetic FP8 checkpoint (test/boot/fp8_checkpoint.py) as a Hugging Face repo. */
function fp8Repo(): FakeRepo {
    const dir = mkdtempSync(join(tmpdir(), "fp8repo-"));
    try {
        const r = spawnSync(numpyPython(), [join(__dirname, "fp8_checkpoint.py"), dir], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const files: Record<string, Buffer> = {};
        for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f));
        return { repo: "deepseek-ai/DeepSeek-V3", commit: "0123456789abcdef0123456789abcdef01234567", files, lfs: Object.keys(files).filter((f) => f.endsWith(".safetensors")) };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** The python3 with numpy (Debian's python3-numpy in CI), first on PATH for the converter's shebang. */
function numpyPython(): string {
    for (const p of ["/usr/bin/python3", "python3"]) if (spawnSync(p, ["-c", "import numpy"]).status === 0) return p;
    throw new Error("no python3 with numpy: install python3-numpy (.ci/run does)");
}
function numpyPath(node: SandboxNode): string {
    const bin = join(node.root, "numpy-bin");
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, "python3"))) symlinkSync(numpyPython().startsWith("/") ? numpyPython() : spawnSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim(), join(bin, "python3"));
    return `${bin}:${STANDINS}/bin:${process.env.PATH}`;
}

test("fetch: a BF16 row converts once on rank 0 with our converter, publishes it with its manifest, and the worker fetches it without the FP8 files", async () => {
    const repo = fp8Repo();
    const weights = await startWeightsServer(repo, { token: HF_TOKEN });
    const plan = planOf("hosts", "bf16-2x8xh200", { addresses: ["10.88.2.10", "10.88.2.11"] });
    assert.ok(plan.weights.conversion, "BF16 row over the FP8 checkpoint plans a conversion");
    const store = "/shared/bf16";
    try {
        const rank0 = hostsNode(plan, weights.url, { DSBOOT_CONVERTED_STORE: store });
        const first = await runScript(rank0, "fetch-weights.sh", 60_000, [], { PATH: numpyPath(rank0) });
        assert.equal(first.code, 0, first.stderr);
        const out = join(rank0.root, plan.weights.conversion.outputHostDir);
        const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
        assert.equal(config.quantization_config, undefined, "SGLang #3491: the BF16 config must not claim FP8");
        assert.ok(existsSync(join(out, "tokenizer.json")), "non-weight files travel with the converted weights");
        assert.ok(existsSync(join(out, ".dsboot-verified")), "converted output is verified and marked like a download");
        const convert = dockerCalls(rank0).filter((a) => a[0] === "run" && a.includes("dsboot-convert"));
        assert.equal(convert.length, 1);
        assert.ok(convert[0]!.includes("/dsboot/bin/fp8-to-bf16.py"), "our converter, shipped in the user data, runs in the image");
        // Published: every file, manifest last.
        const published0 = JSON.parse(readFileSync(join(rank0.root, store, ".dsboot-manifest.json"), "utf8"));
        for (const f of published0.files) assert.ok(existsSync(join(rank0.root, store, f.path)), f.path);
        assert.equal(published(rank0).conversionPublished, store);

        // A reboot neither downloads nor converts again.
        const again = await runScript(rank0, "fetch-weights.sh", 30_000, [], { PATH: numpyPath(rank0) });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(dockerCalls(rank0).filter((a) => a[0] === "run" && a.includes("dsboot-convert")).length, 1, "converted exactly once");

        // The worker reads rank 0's store (one store, reached here through a link) and never touches Hugging Face.
        const worker = makeNode(plan, 1, hostsHooks(plan), { DSBOOT_HF_ENDPOINT: "http://127.0.0.1:9", DSBOOT_CONVERTED_STORE: store });
        nodes.push(worker);
        symlinkSync(join(rank0.root, "shared"), join(worker.root, "shared"));
        const w = await runScript(worker, "fetch-weights.sh", 30_000);
        assert.equal(w.code, 0, w.stderr);
        assert.ok(!dockerCalls(worker).some((a) => a[0] === "run"), "the worker converts nothing");
        assert.ok(!existsSync(join(worker.root, plan.weights.hostDir, "config.json")), "the worker holds no FP8 copy");
        const wout = join(worker.root, plan.weights.conversion.outputHostDir);
        for (const f of published0.files) assert.deepEqual(readFileSync(join(wout, f.path)), readFileSync(join(out, f.path)), f.path);
        assert.equal(statusRecord(worker).conversion, "fetched");
    } finally {
        await weights.close();
    }
});

test("fetch: a worker of a BF16 row whose rank 0 never publishes fails with the store it waited on", async () => {
    const plan = planOf("hosts", "bf16-2x8xh200", { addresses: ["10.88.2.10", "10.88.2.11"] });
    const worker = makeNode(plan, 1, hostsHooks(plan), { DSBOOT_HF_ENDPOINT: "http://127.0.0.1:9", DSBOOT_CONVERTED_STORE: "/shared/none", DSBOOT_CONVERTED_WAIT: "1" });
    nodes.push(worker);
    const r = await runScript(worker, "fetch-weights.sh", 20_000);
    assert.notEqual(r.code, 0);
    assert.match(statusRecord(worker).lastError.message, /rank 0 has not published the BF16 conversion at \/shared\/none after 1s/);
});
