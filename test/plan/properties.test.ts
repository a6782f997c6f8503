// Property tests: random valid specs always plan into argv SGLang's parser accepts; random invalid
// specs are always refused with problems that name a config path, and the CLI exits 2 for them.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { RELEASES } from "../../src/catalog/index";
import { parseSglangArgv } from "../../src/plan/argparse";
import { configOf, planCluster } from "./helpers";
import { validCluster } from "./arbitraries";

type Mutation = { name: string; apply: (c: Record<string, unknown>) => Record<string, unknown> };
const sg = (c: Record<string, unknown>) => (c.sglang ?? {}) as Record<string, unknown>;
const MUTATIONS: Mutation[] = [
    { name: "unknown top-level key", apply: (c) => ({ ...c, gpus: 8 }) },
    { name: "unknown sglang key", apply: (c) => ({ ...c, sglang: { ...sg(c), dpAtention: 2 } }) },
    { name: "unknown release", apply: (c) => ({ ...c, sglang: { ...sg(c), version: "0.9.99" } }) },
    { name: "DP attention 1", apply: (c) => ({ ...c, sglang: { ...sg(c), dpAttention: 1 } }) },
    { name: "DP attention not dividing tp", apply: (c) => ({ ...c, sglang: { ...sg(c), dpAttention: 7 } }) },
    { name: "unknown extra flag", apply: (c) => ({ ...c, sglang: { ...sg(c), extraArgs: ["--definitely-not-a-flag"] } }) },
    { name: "managed extra flag", apply: (c) => ({ ...c, sglang: { ...sg(c), extraArgs: ["--tp-size", "4"] } }) },
    { name: "abbreviated extra flag", apply: (c) => ({ ...c, sglang: { ...sg(c), extraArgs: ["--tp", "8"] } }) },
    { name: "bad value type", apply: (c) => ({ ...c, sglang: { ...sg(c), extraArgs: ["--max-running-requests", "many"] } }) },
    { name: "too few nodes", apply: (c) => ({ ...c, nodes: 1, ...(c.cloud === "hosts" ? { hosts: { addresses: ["10.9.0.1"] } } : {}), weights: "bf16", gpu: c.gpu === "MI300X" ? "H100" : c.gpu, cloud: c.gpu === "MI300X" ? "aws" : c.cloud }) },
    { name: "wrong type", apply: (c) => ({ ...c, nodes: "two" }) },
    { name: "unknown cloud", apply: (c) => ({ ...c, cloud: "oracle" }) },
    { name: "unknown model", apply: (c) => ({ ...c, model: "someone/DeepSeek-V3-Pirate" }) },
    { name: "fa3 everywhere", apply: (c) => ({ ...c, gpu: "A100", weights: "awq", cloud: "aws", hosts: undefined, sglang: { ...sg(c), attentionBackend: "fa3" } }) },
];

describe("properties", () => {
    it("random valid specs plan, and every argv parses with the release's own flags", () => {
        fc.assert(
            fc.property(validCluster, (cluster) => {
                const r = planCluster(cluster);
                assert.ok(r.ok, `refused ${JSON.stringify(cluster)}:\n${!r.ok ? r.problems.map((p) => `${p.path}: ${p.reason}`).join("\n") : ""}`);
                const flags = RELEASES[r.plan.sglang.version]!.flags;
                for (const node of r.plan.nodes) {
                    const launch = parseSglangArgv(node.launch, flags);
                    assert.ok(launch.ok, JSON.stringify(!launch.ok && launch.problems));
                    if (node.precompile) assert.ok(parseSglangArgv(node.precompile, flags, { entry: "compile_deep_gemm" }).ok);
                }
            }),
            { numRuns: 300 },
        );
    });

    it("random invalid specs are refused with every problem naming a config path", () => {
        fc.assert(
            fc.property(validCluster, fc.constantFrom(...MUTATIONS), (cluster, mutation) => {
                const bad = mutation.apply(cluster);
                const r = planCluster(bad);
                assert.ok(!r.ok, `${mutation.name} was accepted: ${JSON.stringify(bad)}`);
                assert.ok(r.problems.length > 0);
                for (const p of r.problems) {
                    assert.match(p.path, /^deepseek-sglang:(cluster|hfToken)/);
                    assert.ok(p.reason.length > 0);
                }
            }),
            { numRuns: 300 },
        );
    });

    it("the plan command exits 2 on random invalid specs with `<path>: <reason>` lines and no stack trace", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-prop-"));
        try {
            await fc.assert(
                fc.asyncProperty(validCluster, fc.constantFrom(...MUTATIONS), async (cluster, mutation) => {
                    const file = path.join(dir, "Pulumi.bad.yaml");
                    fs.writeFileSync(file, stringify({ config: configOf(mutation.apply(cluster)) }));
                    const out: string[] = [];
                    const err: string[] = [];
                    const { run } = require("../../src/cli/plan") as typeof import("../../src/cli/plan");
                    const code = await run(["--config", file], (s) => out.push(s), (s) => err.push(s));
                    assert.equal(code, 2);
                    assert.equal(out.length, 0);
                    const lines = err.join("\n").split("\n");
                    for (const line of lines) assert.match(line, /^deepseek-sglang:\S+: \S/);
                    assert.ok(!/\n\s+at /.test(err.join("\n")), "no stack trace");
                }),
                { numRuns: 60 },
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
