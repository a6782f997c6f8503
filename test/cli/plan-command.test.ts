// The `plan` command's contract (DESIGN.md): summary, --json, --stack/--config, exit 2 on invalid input.

import { USER_DATA_LIMITS } from "../../src/boot/render";
import type { CloudId } from "../../src/catalog/index";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, it } from "node:test";
import { listStacks } from "../../src/config";
import { validateCloudConfigs } from "../validators/cloud-init";
import { SUMMARY_HEADER, run } from "../../src/cli/plan";
import { previewStack, type Preview } from "../../src/cli/preview";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The real preview, run once per stack file for the whole file: the tests plan every stack twice and some
 * stacks again alone, and a preview (the program under Pulumi's mocks) is what costs. Each call gets its
 * own copy, so no test sees what another did with its result.
 */
const previews = new Map<string, Promise<Preview>>();
const memoPreview: typeof previewStack = (config, plan) => {
    const key = JSON.stringify([config.stack, config.values, [...config.secretKeys].sort()]);
    let p = previews.get(key);
    if (!p) previews.set(key, (p = previewStack(config, plan)));
    return p.then((v) => structuredClone(v));
};

/** The command in-process (what `npm run plan` calls), its output captured. */
async function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args, (s) => out.push(`${s}\n`), (s) => err.push(`${s}\n`), memoPreview);
    return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("plan command", () => {
    it("with no arguments plans every stack: a header, then one summary line each", async () => {
        const r = await plan([]);
        assert.equal(r.code, 0, r.stderr);
        const [header, ...lines] = r.stdout.trim().split("\n");
        assert.equal(header, SUMMARY_HEADER);
        assert.match(header ?? "", /^STACK\s+CLOUD\s+ROW/);
        const stacks = listStacks(ROOT);
        assert.equal(lines.length, stacks.length);
        for (const s of stacks) assert.ok(lines.some((l) => l.startsWith(`${s}  `)), `no line for ${s}`);
    });

    it("--stack NAME --json prints the contract document", async () => {
        const r = await plan(["--stack", "fp8-2x8xh100-aws", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        assert.equal(doc.stack, "fp8-2x8xh100-aws");
        assert.equal(doc.cloud, "aws");
        assert.deepEqual(doc.row, { id: "fp8-2x8xh100", weights: "fp8", gpu: "H100", nodes: 2, gpusPerNode: 8 });
        assert.equal(doc.model.path, "deepseek-ai/DeepSeek-V3");
        assert.equal(doc.model.checkpointQuantization, "fp8");
        assert.equal(doc.sglang.version, "0.5.15");
        assert.match(doc.sglang.image, /^lmsysorg\/sglang:v0\.5\.15/);
        assert.equal(doc.nodes.length, 2);
        for (const [i, n] of doc.nodes.entries()) {
            assert.equal(n.rank, i);
            assert.deepEqual(n.launch.slice(0, 3), ["python3", "-m", "sglang.launch_server"]);
            assert.equal(typeof n.env, "object");
            assert.match(n.userData, /^#cloud-config/);
        }
        assert.equal(doc.deepgemm.precompile, true);
        assert.deepEqual(doc.deepgemm.launch.slice(0, 3), ["python3", "-m", "sglang.compile_deep_gemm"]);
        assert.ok(doc.resources.length > 0);
        for (const res of doc.resources) assert.ok(typeof res.type === "string" && typeof res.name === "string" && typeof res.inputs === "object");
        assert.equal(doc.costPerHour, 110.08);
        assert.ok(doc.staging.gpuHoursAvoided > 0 && doc.staging.savedUsd > 0, "the plan shows what staging saves");
    });

    it("a cloud without a component yet plans with resources [] ", async () => {
        const r = await plan(["--stack", "fp8-8xmi300x-azure", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const doc = JSON.parse(r.stdout);
        assert.deepEqual(doc.resources, []);
        assert.match(doc.sglang.image, /rocm/);
        assert.equal(doc.deepgemm.precompile, false);
    });

    it("invalid input: exit 2, every problem as `<path>: <reason>`, no stack trace", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
        const file = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(file, [
            "config:",
            "  aws:region: us-east-2",
            "  deepseek-sglang:hfToken: hf_plaintext",
            "  deepseek-sglang:cluster:",
            "    cloud: aws",
            "    gpu: A100",
            "    weights: fp8",
            "    sglang: { version: '0.4.6.post5', dpAttention: 1, extraArgs: ['--tp', '8'] }",
            "",
        ].join("\n"));
        const r = await plan(["--config", file]);
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        const lines = r.stderr.trim().split("\n");
        assert.ok(lines.length >= 4, r.stderr);
        for (const l of lines) assert.match(l, /^deepseek-sglang:[\w.[\]:]+: .+/);
        for (const p of ["deepseek-sglang:hfToken", "deepseek-sglang:cluster.weights", "deepseek-sglang:cluster.sglang.dpAttention", "deepseek-sglang:cluster.sglang.extraArgs[0]"]) {
            assert.ok(lines.some((l) => l.startsWith(`${p}: `)), `missing ${p}`);
        }
        assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    it("bad arguments and unknown stacks exit 2", async () => {
        assert.equal((await plan(["--stack"])).code, 2);
        assert.equal((await plan(["--bogus"])).code, 2);
        const r = await plan(["--stack", "no-such-stack"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /no file stacks\/Pulumi\.no-such-stack\.yaml/);
        assert.equal((await plan(["--config", "/nonexistent/Pulumi.x.yaml"])).code, 2);
    });

    it("--help prints the options and exits 0; a repeated or conflicting flag exits 2", async () => {
        const help = await plan(["--help"]);
        assert.equal(help.code, 0);
        for (const opt of ["--stack NAME", "--config FILE", "--json", "--verbose"]) assert.ok(help.stdout.includes(opt), `help lacks ${opt}`);
        const twice = await plan(["--json", "--json"]);
        assert.equal(twice.code, 2);
        assert.match(twice.stderr, /--json given twice/);
        assert.equal((await plan(["--stack", "fp8-8xh200-aws", "--stack", "awq-8xa100-aws"])).code, 2);
        assert.equal((await plan(["--json", "--verbose"])).code, 2);
    });

    it("--verbose shows each node's address, command line and environment, and the warnings", async () => {
        const r = await plan(["--stack", "fp8-2x8xh100-aws", "--verbose"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^fp8-2x8xh100-aws: aws, fp8-2x8xh100, 2 x p5\.48xlarge/);
        assert.match(r.stdout, /rank 0 {2}10\.42\.0\.10\n {4}command: python3 -m sglang\.launch_server .*--node-rank 0/);
        assert.match(r.stdout, /rank 1 {2}10\.42\.0\.11\n {4}command: python3 -m sglang\.launch_server .*--node-rank 1/);
        assert.match(r.stdout, /\n {4}env:\n {6}[A-Z_]+=/);
        assert.match(r.stdout, /\n {2}warnings:/);
    });

    it("--json names every value the preview made up as a placeholder", async () => {
        const doc = JSON.parse((await plan(["--stack", "fp8-8xh200-aws", "--json"])).stdout);
        const placeholders = doc.placeholders as Record<string, string>;
        for (const id of doc.outputs.nodeIds as string[]) assert.match(placeholders[id] ?? "", /assigned at pulumi up/);
        const amis = doc.resources.flatMap((r: { inputs: { imageId?: unknown } }) => (typeof r.inputs.imageId === "string" ? [r.inputs.imageId] : []));
        assert.ok(amis.length > 0);
        for (const ami of amis) assert.ok(placeholders[ami], `AMI ${ami} is not marked`);
    });

    it("is wired as `npm run plan`", async () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.match(pkg.scripts.plan, /src\/cli\/plan\.ts/);
    });
});

describe("plan --json user data for every node of every stack", () => {
    it("is cloud-init that passes `cloud-init schema` and fits its cloud's cap (AWS: 16 KB) once gzipped", async () => {
        const r = await plan(["--json"]);
        assert.equal(r.code, 0, r.stderr);
        const docs = JSON.parse(r.stdout) as { stack: string; cloud: CloudId; nodes: { rank: number; userData: string }[] }[];
        assert.equal(docs.length, listStacks(ROOT).length);
        const nodes = docs.flatMap((doc) => doc.nodes.map((node) => ({ name: `${doc.stack} rank ${node.rank}`, cloud: doc.cloud, text: node.userData })));
        for (const n of nodes) {
            assert.match(n.text, /^#cloud-config\n/, n.name);
            assert.ok(zlib.gzipSync(n.text).length <= USER_DATA_LIMITS[n.cloud], `${n.name} too large`);
        }
        for (const [name, error] of validateCloudConfigs(nodes)) assert.equal(error, null, `${name}: ${error}`);
        // The validator is real: it refuses what cloud-init would refuse.
        const bad = validateCloudConfigs([{ name: "bad", text: "#cloud-config\nruncmd: 42\n" }]);
        assert.notEqual(bad.get("bad"), null);
    });
});
