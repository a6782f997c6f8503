// userData of every node of every covered plan: valid cloud-config (cloud-init's own validator),
// within AWS's 16 KB in the form actually sent, carrying exactly the plan's argv and no secret.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { encodeUserData, gzipUserData, renderUserData, USER_DATA_LIMITS, bootSettings, dataRootOf } from "../../src/boot/index";
import { coveredPlans, hooksFor, planOf } from "./fixtures";
import { commandExists } from "./sandbox";

interface Doc {
    write_files: { path: string; permissions: string; content: string }[];
    runcmd: string[][];
}
const fileOf = (doc: Doc, path: string) => doc.write_files.find((f) => f.path === path)?.content;

const cases = coveredPlans().flatMap(({ name, plan }) => plan.nodes.map((n) => ({ name, plan, rank: n.rank, userData: renderUserData(plan, n.rank, hooksFor(plan)) })));

test("userData of every node fits its cloud's cap (AWS: 16 KB) in the form sent to the cloud", (t) => {
    const rows: string[] = [];
    for (const c of cases) {
        const raw = Buffer.byteLength(c.userData);
        const gz = gzipUserData(c.userData).length;
        const limit = USER_DATA_LIMITS[c.plan.cloud];
        const sent = encodeUserData(c.userData, limit);
        assert.ok(sent.bytes <= limit, `${c.name} rank ${c.rank}: ${sent.bytes} bytes sent`);
        assert.equal(sent.gzip, raw > limit, "gzip only when the raw text does not fit");
        const decoded = Buffer.from(sent.base64, "base64");
        assert.equal((sent.gzip ? gunzipSync(decoded) : decoded).toString("utf8"), c.userData, "what is sent decodes to the rendered text");
        rows.push(`${c.name} rank ${c.rank}: raw ${raw} B, gzip ${gz} B, sent ${sent.gzip ? "gzip" : "raw"} ${sent.bytes} B`);
    }
    for (const r of rows) t.diagnostic(r);
    if (process.env.DSBOOT_PRINT_SIZES) console.log(rows.join("\n"));
});

test("encodeUserData refuses what cannot fit even gzipped", () => {
    const noise = Array.from({ length: 40_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join("");
    assert.throws(() => encodeUserData(`#cloud-config\n# ${noise}\n`), /even gzipped/);
});

test("cloud-init schema accepts the userData of every node", { skip: !commandExists("cloud-init") && "cloud-init is not installed" }, () => {
    const dir = mkdtempSync(join(tmpdir(), "dsboot-schema-"));
    try {
        // The validator must be able to fail: a wrong type is rejected.
        writeFileSync(join(dir, "bad.yaml"), "#cloud-config\nruncmd: 5\n");
        assert.notEqual(spawnSync("cloud-init", ["schema", "--config-file", join(dir, "bad.yaml")]).status, 0);
        for (const c of cases) {
            const file = join(dir, `${c.name}-${c.rank}.yaml`);
            writeFileSync(file, c.userData);
            const r = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
            assert.equal(r.status, 0, `${c.name} rank ${c.rank}: ${r.stdout}${r.stderr}`);
            assert.match(r.stdout, /Valid cloud-config/);
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("node.json carries exactly the plan's argv, env and mounts for that rank", () => {
    for (const c of cases) {
        const doc = parse(c.userData) as Doc;
        const node = JSON.parse(fileOf(doc, "/etc/dsboot/node.json")!);
        const planned = c.plan.nodes.find((n) => n.rank === c.rank)!;
        assert.deepEqual(node.launch, planned.launch, `${c.name} rank ${c.rank}`);
        assert.deepEqual(node.precompile, planned.precompile);
        assert.deepEqual(node.env, planned.env);
        assert.deepEqual(node.mounts, c.plan.mounts);
    }
});

test("user data holds secret references only; the API key stays a placeholder", () => {
    const plan = planOf("aws", "fp8-2x8xh100");
    const hooks = hooksFor(plan);
    const doc = parse(renderUserData(plan, 0, hooks)) as Doc;
    const env = fileOf(doc, "/etc/dsboot/boot.env")!;
    assert.match(env, new RegExp(`DSBOOT_SECRET_API_KEY='${hooks.secrets.apiKey}'`));
    const launch: string[] = JSON.parse(fileOf(doc, "/etc/dsboot/node.json")!).launch;
    assert.equal(launch[launch.indexOf("--api-key") + 1], plan.apiKeyPlaceholder);
    for (const f of doc.write_files) assert.doesNotMatch(f.content, /hf_[A-Za-z0-9]{20,}/);
});

test("units: every stage is enabled, the beacon only on rank 0 of a multi-node cluster", () => {
    for (const c of cases) {
        const doc = parse(c.userData) as Doc;
        const enabled = doc.runcmd.find((r) => r[1] === "enable")!;
        const beacon = c.rank === 0 && c.plan.nodes.length > 1;
        assert.equal(enabled.includes("dsboot-beacon.service"), beacon, `${c.name} rank ${c.rank}`);
        assert.equal(doc.write_files.some((f) => f.path.endsWith("/beacon.sh")), beacon);
        for (const u of ["prepare-storage", "fetch-weights", "precompile", "sglang", "readiness"]) assert.ok(enabled.includes(`dsboot-${u}.service`));
        assert.deepEqual(doc.runcmd.at(-1), ["systemctl", "start", "--no-block", "dsboot.target"]);
    }
});

test("boot settings follow the plan: data root, served dir, caches", () => {
    const bf16 = planOf("aws", "bf16-2x8xh200");
    const s = bootSettings(bf16, 1, hooksFor(bf16));
    assert.equal(s.DSBOOT_CONVERT, "1");
    assert.equal(s.DSBOOT_SERVED_DIR, bf16.weights.conversion!.outputHostDir);
    assert.equal(s.DSBOOT_RANK0_ADDRESS, bf16.nodes[0]!.address);
    assert.equal(s.DSBOOT_DATA_ROOT, dataRootOf(bf16));
    assert.ok(bf16.weights.hostDir.startsWith(`${s.DSBOOT_DATA_ROOT}/`));
    const fp8 = planOf("aws", "fp8-8xh200");
    const f = bootSettings(fp8, 0, hooksFor(fp8));
    assert.equal(f.DSBOOT_DG_PRECOMPILE, "1");
    assert.equal(f.DSBOOT_DG_CACHE_KEY, fp8.deepgemm.cacheKey);
    assert.equal(f.DSBOOT_CONVERT, "0");
    assert.equal(f.DSBOOT_SERVED_DIR, fp8.weights.hostDir);
});
