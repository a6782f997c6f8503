// userData of every node of every covered plan: valid cloud-config (cloud-init's own validator),
// within AWS's 16 KB in the form actually sent, carrying exactly the plan's argv and no secret.

import { strict as assert } from "node:assert";
import { validateCloudConfigs } from "../validators/cloud-init";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { coldStart, encodeUserData, gzipUserData, renderUserData, USER_DATA_LIMITS, bootSettings, dataRootOf } from "../../src/boot/index";
import { coveredPlans, hooksFor, planOf } from "./fixtures";

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

test("cloud-init schema accepts the userData of every node (cloud-init's own validator, one process)", () => {
    // The validator must be able to fail: a wrong type is rejected.
    assert.notEqual(validateCloudConfigs([{ name: "bad", text: "#cloud-config\nruncmd: 5\n" }]).get("bad"), null);
    const results = validateCloudConfigs(cases.map((c) => ({ name: `${c.name} rank ${c.rank}`, text: c.userData })));
    for (const [name, error] of results) assert.equal(error, null, `${name}: ${error}`);
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

/** [After=, Requires=] of one unit as the node gets it, drop-ins included. */
function ordering(doc: Doc, unit: string): string[] {
    const text = doc.write_files.filter((f) => f.path.includes(`/${unit}`)).map((f) => f.content).join("\n");
    return [...text.matchAll(/^(?:After|Requires)=(.*)$/gm)].flatMap((m) => m[1]!.split(/\s+/));
}

test("critical path: the image pull starts at t=0; the precompile waits for the weights only where dummy weights are not established", () => {
    const fp8 = planOf("aws", "fp8-8xh200");
    assert.ok(fp8.deepgemm.precompile && fp8.deepgemm.beforeWeights, "the default release allows dummy weights");
    const argv = fp8.nodes[0]!.precompile!;
    assert.equal(argv[argv.indexOf("--load-format") + 1], "dummy");
    assert.ok(!fp8.nodes[0]!.launch.includes("--load-format"), "the server itself loads the real weights");
    const overlapped = parse(renderUserData(fp8, 0, hooksFor(fp8))) as Doc;
    assert.ok(!ordering(overlapped, "dsboot-precompile.service").includes("dsboot-fetch-weights.service"));
    assert.ok(ordering(overlapped, "dsboot-precompile.service").includes("dsboot-fetch-config.service"));
    assert.ok(ordering(overlapped, "dsboot-sglang.service").includes("dsboot-fetch-weights.service"), "the server still needs every verified file");
    assert.deepEqual(ordering(overlapped, "dsboot-pull-image.service").filter((u) => u.startsWith("dsboot-")), [], "the pull waits for no stage");
    // A release where dummy weights are not established keeps today's order through a drop-in.
    const fallback = { ...fp8, deepgemm: { ...fp8.deepgemm, beforeWeights: false } };
    const ordered = parse(renderUserData(fallback, 0, hooksFor(fallback))) as Doc;
    assert.ok(ordering(ordered, "dsboot-precompile.service").includes("dsboot-fetch-weights.service"));
    assert.ok(ordered.write_files.some((f) => f.path === "/etc/systemd/system/dsboot-precompile.service.d/after-weights.conf"));
});

test("cold-start estimate: parts from the row's sizes; the precompile overlapping the download shortens it", () => {
    const fp8 = planOf("aws", "fp8-8xh200");
    const est = coldStart(fp8);
    for (const p of ["download", "conversion", "pull", "compile", "load"] as const) assert.ok(est.parts[p].minutes >= 0, p);
    assert.equal(est.parts.conversion.minutes, 0);
    assert.ok(est.totalMinutes.hub > est.totalMinutes.mirror);
    assert.ok(est.compileOverlapsDownload);
    const serial = coldStart({ ...fp8, deepgemm: { ...fp8.deepgemm, beforeWeights: false } });
    assert.ok(serial.totalMinutes.hub > est.totalMinutes.hub, `${serial.totalMinutes.hub} > ${est.totalMinutes.hub}`);
    assert.equal(serial.criticalPath.join(" "), "download compile load");
    const bf16 = coldStart(planOf("aws", "bf16-2x8xh200"));
    assert.ok(bf16.parts.conversion.minutes > 0 && bf16.parts.compile.minutes === 0);
});
