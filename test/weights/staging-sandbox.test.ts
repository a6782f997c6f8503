// stage-weights.sh in the boot sandbox: Hugging Face (a loopback stand-in) -> the mirror (a local
// directory, the `hosts` store), through the real fetch-weights.sh and dsboot-tool.py. Resume from a
// half-filled mirror, verification, skip when complete, and the FP8 -> BF16 conversion hook.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, test } from "node:test";
import { SCRIPTS_DIR } from "../../src/boot/render";
import type { ServingPlan } from "../../src/plan/types";
import { hooksFor, planOf } from "../boot/fixtures";
import { STANDINS, cleanupNode, makeNode, runScript, type SandboxNode } from "../boot/sandbox";
import { sampleRepo, startWeightsServer, type FakeRepo, type Faults } from "../boot/weights-server";
import { MIRROR_COMPLETE_RECORD } from "../../src/weights/staging";

const HF_TOKEN = "hf_stagingTokenAbcdefghijklmnop";
const MIRROR = "/srv/mirror";
const nodes: SandboxNode[] = [];
const temps: string[] = [];
after(() => { nodes.forEach(cleanupNode); temps.forEach((d) => rmSync(d, { recursive: true, force: true })); });

/** A staging host: rank 0 of the row's plan on `hosts`, the mirror a directory in its root. */
function stagingHost(plan: ServingPlan, hfUrl: string, overrides: Record<string, string> = {}): SandboxNode {
    const hooks = hooksFor(plan, { secrets: { hfToken: "/etc/dsboot-secrets/hf-token", apiKey: "/etc/dsboot-secrets/api-key" }, weightsMirror: MIRROR, weightsMirrorWritable: true });
    const node = makeNode(plan, 0, hooks, { DSBOOT_HF_ENDPOINT: hfUrl, ...overrides });
    mkdirSync(join(node.root, "etc/dsboot-secrets"), { recursive: true });
    writeFileSync(join(node.root, "etc/dsboot-secrets/hf-token"), `${HF_TOKEN}\n`);
    mkdirSync(join(node.root, MIRROR.slice(1)), { recursive: true });
    // The staging host's user data ships stage-weights.sh and the converter beside the boot scripts.
    for (const f of ["stage-weights.sh", "mirror-record.py", "fp8-to-bf16.py"]) copyFileSync(join(SCRIPTS_DIR, f), join(node.root, "opt/dsboot/bin", f));
    nodes.push(node);
    return node;
}

const mirrorDir = (n: SandboxNode) => join(n.root, MIRROR.slice(1));
const mirrorFiles = (n: SandboxNode) => listFiles(mirrorDir(n)).sort();
const record = (n: SandboxNode) => JSON.parse(readFileSync(join(mirrorDir(n), MIRROR_COMPLETE_RECORD), "utf8"));
const status = (n: SandboxNode) => JSON.parse(readFileSync(join(n.root, "var/lib/dsboot-status/rank-0.json"), "utf8"));
function listFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)).map((p) => `${e.name}/${p}`) : [e.name]));
}

async function withHub<T>(repo: FakeRepo, faults: Faults, fn: (url: string, requests: () => string[]) => Promise<T>): Promise<T> {
    const server = await startWeightsServer(repo, { token: HF_TOKEN, ...faults });
    try {
        return await fn(server.url, () => server.requests.map((r) => JSON.stringify(r)));
    } finally {
        await server.close();
    }
}
const resolves = (reqs: string[]) => reqs.filter((r) => r.includes("/resolve/"));

test("staging fills an empty mirror, stores the manifest beside the files and the completion record last; a rerun skips", async () => {
    const repo = sampleRepo();
    const plan = planOf("hosts", "fp8-8xh200", { addresses: ["10.88.0.21"] });
    await withHub(repo, {}, async (url, requests) => {
        const host = stagingHost(plan, url);
        const r = await runScript(host, "stage-weights.sh", 60_000);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(mirrorFiles(host), [".dsboot-manifest.json", MIRROR_COMPLETE_RECORD, ...Object.keys(repo.files)].sort());
        for (const [p, data] of Object.entries(repo.files)) assert.ok(readFileSync(join(mirrorDir(host), p)).equals(data), p);
        const rec = record(host);
        assert.deepEqual([rec.repo, rec.commit, rec.files, rec.converted], [repo.repo, repo.commit, 4, null]);
        assert.equal(rec.bytes, Object.values(repo.files).reduce((s, b) => s + b.length, 0));
        assert.equal(status(host).state, "complete");
        assert.equal(status(host).mirror, "complete");

        // Same mirror, a fresh staging host: the record is found, nothing is fetched.
        const before = requests().length;
        rmSync(join(host.root, plan.weights.hostDir.slice(1)), { recursive: true, force: true });
        const again = await runScript(host, "stage-weights.sh", 60_000);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stderr, /already holds deepseek-ai\/DeepSeek-V3@main, verified; nothing to stage/);
        assert.equal(requests().length, before, "no request to Hugging Face");
        assert.equal(status(host).mirror, "already-complete");
    });
});

test("an interrupted staging resumes: files already in the mirror are not fetched again, a cut download resumes", async () => {
    const repo = sampleRepo();
    const plan = planOf("hosts", "fp8-8xh200", { addresses: ["10.88.0.22"] });
    const [kept, cut] = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
    await withHub(repo, { truncateOnce: [cut] }, async (url, requests) => {
        const host = stagingHost(plan, url);
        // A previous staging host died after copying two files into the mirror (and no record).
        for (const f of ["config.json", kept]) writeFileSync(join(mirrorDir(host), f), repo.files[f]!);
        const r = await runScript(host, "stage-weights.sh", 60_000);
        assert.equal(r.code, 0, r.stderr);
        const fetched = resolves(requests());
        assert.ok(!fetched.some((q) => q.includes(kept) || q.includes("config.json")), "the mirror's files came from the mirror");
        assert.ok(fetched.filter((q) => q.includes(cut)).length >= 2, "the cut transfer was resumed");
        assert.ok(readFileSync(join(mirrorDir(host), cut)).equals(repo.files[cut]!));
        assert.equal(record(host).files, 4);
    });
});

test("a file that never verifies: the staging fails and the mirror gets no completion record", async () => {
    const repo = sampleRepo();
    const plan = planOf("hosts", "fp8-8xh200", { addresses: ["10.88.0.23"] });
    await withHub(repo, { corruptAlways: ["model-00002-of-00002.safetensors"] }, async (url) => {
        const host = stagingHost(plan, url, { DSBOOT_FETCH_ROUNDS: "2" });
        const r = await runScript(host, "stage-weights.sh", 60_000);
        assert.notEqual(r.code, 0);
        assert.ok(!existsSync(join(mirrorDir(host), MIRROR_COMPLETE_RECORD)));
        assert.ok(!existsSync(join(mirrorDir(host), ".dsboot-manifest.json")));
        assert.ok(!existsSync(join(mirrorDir(host), "model-00002-of-00002.safetensors")), "a corrupt file is never seeded");
        assert.equal(status(host).state, "failed");
        assert.equal(status(host).stage, "stage-weights");
        assert.match(status(host).lastError.message, /fetch-weights failed/);
    });
});

test("a completion record of another revision does not count: the mirror is staged again", async () => {
    const repo = sampleRepo();
    const plan = planOf("hosts", "fp8-8xh200", { addresses: ["10.88.0.24"] });
    await withHub(repo, {}, async (url, requests) => {
        const host = stagingHost(plan, url);
        writeFileSync(join(mirrorDir(host), MIRROR_COMPLETE_RECORD), JSON.stringify({ repo: repo.repo, revision: "v0-old", commit: "f".repeat(40), files: 1 }));
        const r = await runScript(host, "stage-weights.sh", 60_000);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(resolves(requests()).length >= 4);
        assert.equal(record(host).revision, "main");
    });
});

/** /usr/bin/python3 has Debian's numpy (.ci/run installs python3-numpy); first on PATH for the scripts. */
function numpyPython(): string {
    const bin = mkdtempSync(join(tmpdir(), "stage-py-"));
    temps.push(bin);
    for (const p of ["/usr/bin/python3", "python3"]) {
        if (spawnSync(p, ["-c", "import numpy"]).status === 0) {
            symlinkSync(spawnSync(p, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim(), join(bin, "python3"));
            return bin;
        }
    }
    throw new Error("no python3 with numpy: install python3-numpy (.ci/run does)");
}

test("conversion hook: a BF16 row converts on the staging host's CPU and publishes the BF16 tree beside the mirror", async () => {
    const py = numpyPython();
    const ckpt = mkdtempSync(join(tmpdir(), "stage-fp8-"));
    temps.push(ckpt);
    const built = spawnSync(join(py, "python3"), [join(__dirname, "..", "boot", "fp8_checkpoint.py"), ckpt], { encoding: "utf8" });
    assert.equal(built.status, 0, built.stderr);
    const files = Object.fromEntries(listFiles(ckpt).map((p) => [p, readFileSync(join(ckpt, p))]));
    const repo: FakeRepo = { repo: "deepseek-ai/DeepSeek-V3", commit: "0123456789abcdef0123456789abcdef01234567", files, lfs: Object.keys(files).filter((p) => p.endsWith(".safetensors")) };
    const plan = planOf("hosts", "bf16-2x8xh200", { addresses: ["10.88.0.31", "10.88.0.32"] });
    assert.ok(plan.weights.conversion, "the row serves BF16 from the FP8 checkpoint");
    await withHub(repo, {}, async (url) => {
        const host = stagingHost(plan, url);
        // The staging host's environment: the conversion runs here, on the CPU, not in the serving image.
        const r = await runScript(host, "stage-weights.sh", 120_000, [], { PATH: `${py}:${STANDINS}/bin:${process.env["PATH"]}`, DSBOOT_CONVERT_ON_HOST: "1" });
        assert.equal(r.code, 0, r.stderr);
        const published = join(mirrorDir(host), "dsboot-bf16");
        const manifest = JSON.parse(readFileSync(join(published, ".dsboot-manifest.json"), "utf8"));
        assert.ok(manifest.files.length > 0);
        for (const f of manifest.files) assert.ok(existsSync(join(published, f.path)), `${f.path} published`);
        assert.ok(!("quantization_config" in JSON.parse(readFileSync(join(published, "config.json"), "utf8"))));
        assert.equal(record(host).converted, `${MIRROR}/dsboot-bf16`);
        assert.equal(relative(mirrorDir(host), published), "dsboot-bf16");
        assert.equal(status(host).mirror, "complete");
    });
});
