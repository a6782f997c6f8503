// Fault drills on the real stage scripts: each case is a fault a node meets in the field, and each
// ends in recovery or a clear failure within a bound. Stand-ins keep every wait short; the tests
// wait on events (a log line, a status record), never on fixed sleeps.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ServingPlan } from "../../src/plan/types";
import { hooksFor, planOf } from "./fixtures";
import { cleanupNode, createNetns, dockerCalls, makeNode, patchBootEnv, runScript, startScript, statusRecord, waitFor, type SandboxNode } from "./sandbox";
import { sampleRepo, startWeightsServer, type RequestLog } from "./weights-server";
import { needs, skipOrFail } from "../support/requirements";

const API_KEY = "sk-faults-41b7";
const nodes: SandboxNode[] = [];
after(() => nodes.forEach(cleanupNode));

function hostsPlan(address = "10.88.5.11"): ServingPlan {
    return planOf("hosts", "fp8-8xh200", { addresses: [address] });
}

function node(plan: ServingPlan, overrides: Record<string, string> = {}, rank = 0, netns: string | null = null): SandboxNode {
    const n = makeNode(plan, rank, hooksFor(plan), overrides, netns);
    mkdirSync(join(n.root, "etc/dsboot-secrets"), { recursive: true });
    writeFileSync(join(n.root, "etc/dsboot-secrets/api-key"), API_KEY);
    nodes.push(n);
    return n;
}

const weightsDir = (n: SandboxNode, plan: ServingPlan) => join(n.root, plan.weights.hostDir);
const published = (n: SandboxNode) => JSON.parse(readFileSync(join(n.root, `var/lib/dsboot-status/rank-${n.rank}.json`), "utf8"));
const tryPublished = (n: SandboxNode) => {
    try {
        return published(n);
    } catch {
        return {}; // not written yet
    }
};
const resolves = (reqs: RequestLog[], file: string) => reqs.filter((r) => r.path.includes("/resolve/") && r.path.endsWith(file));

/** A port nothing listens on right now (the source is down). */
async function closedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

test("fetch: a transfer that stalls with its connection open is cut and resumed", async () => {
    const repo = sampleRepo();
    const shard = "model-00001-of-00002.safetensors";
    const server = await startWeightsServer(repo, { stallOnce: [shard] });
    const plan = hostsPlan();
    const n = node(plan, { DSBOOT_HF_ENDPOINT: server.url, DSBOOT_FETCH_STALL_SECONDS: "1" });
    const r = await runScript(n, "fetch-weights.sh", 30_000);
    await server.close();
    assert.equal(r.code, 0, r.stderr);
    const reqs = resolves(server.requests, shard);
    assert.equal(reqs.length, 2, "the stalled transfer was cut and requested once more");
    assert.equal(reqs[1]!.range, `bytes=${repo.files[shard]!.length >> 1}-`, "resumed from the bytes on disk");
    assert.ok(readFileSync(join(weightsDir(n, plan), shard)).equals(repo.files[shard]!));
    // Verified while downloading: each file was hashed once, by the sink, not again afterwards.
    const cache = readFileSync(join(weightsDir(n, plan), ".dsboot-hashcache.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).path);
    assert.deepEqual([...cache].sort(), Object.keys(repo.files).sort(), "one hash per file");
});

test("fetch: refused connections back off between rounds and recover; a source that stays down fails within its bound", async () => {
    const repo = sampleRepo();
    const plan = hostsPlan();
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    // The source is down when the stage starts (the file list itself is refused) and comes back 1 s later.
    const n = node(plan, { DSBOOT_HF_ENDPOINT: url });
    const run = startScript(n, "fetch-weights.sh");
    await waitFor("a refused round", () => /retrying in/.test(run.stderr()), 10_000, 20);
    await new Promise((r) => setTimeout(r, 1000)); // the rest of the outage
    const server = await startWeightsServer(repo, { port });
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /reading the file list failed \(round 1\); retrying in 0.2s/);
    assert.equal(published(n).stages["fetch-weights"].state, "complete");

    // Transfers refused after the file list was read back off too.
    const m = node(plan, { DSBOOT_HF_ENDPOINT: url });
    const cfg = await runScript(m, "fetch-weights.sh", 20_000, ["--config"]);
    assert.equal(cfg.code, 0, cfg.stderr);
    await server.close();
    const run2 = startScript(m, "fetch-weights.sh");
    await waitFor("a refused transfer round", () => /fetching 2 file\(s\) failed \(round 1\)/.test(run2.stderr()), 10_000, 20);
    await new Promise((r) => setTimeout(r, 700));
    const back = await startWeightsServer(repo, { port });
    const r2 = await run2.done;
    await back.close();
    assert.equal(r2.code, 0, r2.stderr);

    // Down for good: bounded rounds, then a clear failure.
    const d = node(plan, { DSBOOT_HF_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, DSBOOT_FETCH_ROUNDS: "3" });
    const t = Date.now();
    const f = await runScript(d, "fetch-weights.sh", 20_000);
    assert.notEqual(f.code, 0);
    assert.ok(Date.now() - t < 15_000);
    assert.match(published(d).lastError.message, /could not read the file list of .* after 3 attempts/);
});

test("fetch: a changed model revision on a persistent disk re-verifies against the new manifest", async () => {
    const repo = sampleRepo();
    const plan = hostsPlan();
    const s1 = await startWeightsServer(repo);
    const n = node(plan, { DSBOOT_HF_ENDPOINT: s1.url, DSBOOT_MODEL_REVISION: "rev-one" });
    const r1 = await runScript(n, "fetch-weights.sh", 30_000);
    await s1.close();
    assert.equal(r1.code, 0, r1.stderr);

    // The stack now names a new revision in which one shard changed.
    const changed = "model-00002-of-00002.safetensors";
    const next = { ...repo, commit: "fedcba9876543210fedcba9876543210fedcba98", files: { ...repo.files, [changed]: randomBytes(repo.files[changed]!.length) } };
    const s2 = await startWeightsServer(next);
    patchBootEnv(n.root, { DSBOOT_HF_ENDPOINT: s2.url, DSBOOT_MODEL_REVISION: "rev-two" });
    const r2 = await runScript(n, "fetch-weights.sh", 30_000);
    await s2.close();
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /model revision changed \(rev-one -> rev-two\)/);
    assert.deepEqual(s2.requests.filter((q) => q.path.includes("/resolve/")).map((q) => q.path.split("/").pop()), [changed], "only the changed file is fetched again");
    assert.ok(readFileSync(join(weightsDir(n, plan), changed)).equals(next.files[changed]));
    const marker = JSON.parse(readFileSync(join(weightsDir(n, plan), ".dsboot-verified"), "utf8"));
    assert.equal(marker.revision, "rev-two");
    assert.equal(marker.commit, next.commit);
});

test("fetch: a file rewritten with its size and mtime restored is caught (hash cache keyed on ctime)", async () => {
    const repo = sampleRepo();
    const plan = hostsPlan();
    const server = await startWeightsServer(repo);
    const n = node(plan, { DSBOOT_HF_ENDPOINT: server.url });
    assert.equal((await runScript(n, "fetch-weights.sh", 30_000)).code, 0);
    const shard = "model-00001-of-00002.safetensors";
    const file = join(weightsDir(n, plan), shard);
    const before = statSync(file, { bigint: true });
    spawnSync("touch", ["-r", file, `${file}.ref`]); // keeps the nanoseconds
    writeFileSync(file, randomBytes(Number(before.size)));
    spawnSync("touch", ["-r", `${file}.ref`, file]);
    spawnSync("rm", [`${file}.ref`]);
    const after = statSync(file, { bigint: true });
    assert.equal(after.mtimeNs, before.mtimeNs, "size and mtime as before: only ctime tells");
    assert.equal(after.size, before.size);
    const r = await runScript(n, "fetch-weights.sh", 30_000);
    await server.close();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /changed since verified: model-00001/);
    assert.match(r.stderr, /model-00001-of-00002.safetensors: hash mismatch/);
    assert.ok(readFileSync(file).equals(repo.files[shard]!), "the rewritten file was fetched again");
});

test("fetch: a full disk fails with the numbers and leaves no temp files", needs(process.getuid?.() !== 0 && "root (to mount a small tmpfs)"), async () => {
    const repo = sampleRepo("deepseek-ai/DeepSeek-V3", 768 * 1024);
    const plan = hostsPlan();
    const server = await startWeightsServer(repo);
    const n = node(plan, { DSBOOT_HF_ENDPOINT: server.url });
    const dir = weightsDir(n, plan);
    mkdirSync(dir, { recursive: true });
    const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { encoding: "utf8" });
    assert.equal(mount.status, 0, mount.stderr);
    try {
        const r = await runScript(n, "fetch-weights.sh", 30_000);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /disk full: 0\.00\d+ GB needed, 0\.00\d+ GB free/);
        assert.doesNotMatch(r.stderr, /verifier crashed/);
        assert.match(published(n).lastError.message, /^disk full: /);
        // A transfer that meets a full disk mid-way says the same, keeps its bytes for resume, and
        // leaves no temp file.
        const sink = (p: string) => spawnSync("python3", [join(n.root, "opt/dsboot/bin/dsboot-tool.py"), "sink", "--manifest", join(dir, ".dsboot-manifest.json"), "--dir", dir, "--path", p], { input: repo.files[p], encoding: "utf8" });
        assert.equal(sink("model-00001-of-00002.safetensors").status, 0, "the first shard fits");
        const big = sink("model-00002-of-00002.safetensors");
        assert.equal(big.status, 5, big.stderr);
        assert.match(big.stderr, /^disk full: /);
        const leftovers = readdirSync(dir).filter((f) => /\.tmp|\.part$/.test(f));
        assert.deepEqual(leftovers, []);
    } finally {
        spawnSync("umount", [dir]);
        await server.close();
    }
});

test("status: a status record that cannot be written never deadlocks a stage", async () => {
    const plan = hostsPlan();
    const n = node(plan, { DSBOOT_DG_PRECOMPILE: "0", DSBOOT_TC_ENABLED: "0" });
    mkdirSync(join(n.root, "var/lib/dsboot/status.json"), { recursive: true }); // unwritable as a file
    const r = await runScript(n, "precompile.sh", 15_000);
    assert.notEqual(r.code, null, "the stage ended by itself (killed at the bound otherwise)");
    assert.match(r.stderr, /could not record status 'running'/);
});

test("worker: an unreachable rank 0 fails naming rank 0 and its address", async () => {
    const plan = planOf("hosts", "fp8-2x8xh100", { gpu: "H100", addresses: ["10.88.6.10", "10.88.6.11"] });
    const port = await closedPort();
    const w = node(plan, { DSBOOT_RANK0_ADDRESS: "127.0.0.1", DSBOOT_BEACON_PORT: String(port), DSBOOT_RANK0_WAIT: "1" }, 1);
    const r = await runScript(w, "precompile.sh", 15_000);
    assert.notEqual(r.code, 0);
    const message = published(w).lastError.message;
    assert.match(message, new RegExp(`rank 0 at 127\\.0\\.0\\.1 is unreachable \\(no answer on port ${port} for 1s\\); the DeepGEMM precompile needs it`));
    assert.ok(!dockerCalls(w).some((a) => a[0] === "run"), "no rendezvous was attempted");
});

test("image: pulled once at the start, not again on restart; a changed image is pulled", async () => {
    const plan = hostsPlan();
    const n = node(plan);
    const pulls = () => dockerCalls(n).filter((a) => a[0] === "pull").map((a) => a[a.length - 1]);
    assert.equal((await runScript(n, "pull-image.sh", 15_000)).code, 0);
    assert.equal((await runScript(n, "pull-image.sh", 15_000)).code, 0, "a restart or reboot");
    assert.deepEqual(pulls(), [plan.sglang.image]);
    assert.equal(statusRecord(n).imageId.length, 71);
    patchBootEnv(n.root, { DSBOOT_IMAGE: "lmsysorg/sglang:v9.9.9-test" });
    assert.equal((await runScript(n, "pull-image.sh", 15_000)).code, 0);
    assert.deepEqual(pulls(), [plan.sglang.image, "lmsysorg/sglang:v9.9.9-test"]);
});

test("fetch: transfers sized to the node's link and vCPUs", () => {
    const plan = hostsPlan();
    const n = node(plan);
    const c = cpus().length;
    const clamp = (x: number) => Math.min(64, Math.max(4, Math.min(8 * c, x)));
    const at = (mbits: string | null): number => {
        const dir = join(n.root, "sys/class/net/eth0");
        mkdirSync(dir, { recursive: true });
        if (mbits === null) spawnSync("rm", ["-f", join(dir, "speed")]);
        else writeFileSync(join(dir, "speed"), `${mbits}\n`);
        const r = spawnSync("bash", ["-c", `. "$DSBOOT_ROOT/opt/dsboot/bin/lib.sh"; node_parallelism`], { env: { ...process.env, DSBOOT_ROOT: n.root }, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return Number(r.stdout);
    };
    patchBootEnv(n.root, { DSBOOT_FETCH_PARALLEL: "auto" });
    assert.equal(at("1000"), clamp(2), "1 Gb/s: the floor");
    assert.equal(at("25000"), clamp(32), "25 Gb/s over 100 MB/s streams");
    assert.equal(at("400000"), clamp(500), "400 Gb/s: the cap");
    assert.equal(at(null), clamp(2 * c), "link speed unknown: by vCPUs");
    patchBootEnv(n.root, { DSBOOT_FETCH_PARALLEL: "7" });
    assert.equal(at("25000"), 7, "a number overrides");
});

test("readiness: giving up publishes failed, and the current state wins once the server answers; no stale precompile error", async (t) => {
    const plan = hostsPlan("10.88.7.21");
    const ns = createNetns(`dsb${process.pid % 10000}r`, [plan.nodes[0]!.address]);
    if (!ns) return skipOrFail(t, "network namespaces (root and iproute2)");
    const repo = sampleRepo("deepseek-ai/DeepSeek-V3", 16 * 1024);
    const server = await startWeightsServer(repo);
    const n = node(plan, { DSBOOT_HF_ENDPOINT: server.url, DSBOOT_READY_TIMEOUT: "1" }, 0, ns.names[0]!);
    const gate = join(n.state, "warm");
    const env = { STANDIN_READY_FILE: gate };
    let sglang: ReturnType<typeof startScript> | null = null;
    let ready: ReturnType<typeof startScript> | null = null;
    try {
        assert.equal((await runScript({ ...n, netns: null }, "fetch-weights.sh", 30_000)).code, 0);
        await server.close();
        writeFileSync(join(n.state, "precompile-fails"), "");
        const pre = await runScript(n, "precompile.sh", 30_000);
        assert.equal(pre.code, 0, pre.stderr);
        assert.equal(published(n).deepgemm, "failed");
        assert.equal(published(n).lastError, null, "a precompile failure is not the node's error");
        sglang = startScript(n, "sglang.sh", [], env);
        ready = startScript(n, "readiness.sh", [], env);
        await waitFor("readiness to give up", () => tryPublished(n).state === "failed", 20_000, 50);
        assert.match(published(n).lastError.message, /not ready after 1s/);
        writeFileSync(gate, ""); // the server finishes warming up after all
        await waitFor("serving", () => tryPublished(n).state === "serving", 20_000, 50);
        assert.equal(published(n).lastError, null, "serving clears the error");
        assert.equal(published(n).waitingFor, null);
    } finally {
        await ready?.stop();
        await sglang?.stop();
        ns.destroy();
    }
});
