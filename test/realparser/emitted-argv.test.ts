// Every argv the library emits, for every stack and for every row on every release, parsed by that
// release's REAL parser (its wheel's ServerArgs.add_cli_args) beside the TypeScript one: the real
// parser must accept it, and the values both parsers read must agree, so the two cannot drift.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { RELEASES, ROWS } from "../../src/catalog/index";
import { listStacks, readStackFile, stacksDir } from "../../src/config";
import { parseSglangArgv } from "../../src/plan/argparse";
import { planFromConfig, type ServingPlan } from "../../src/plan/index";
import { cloudFor, clusterFor, planCluster } from "../plan/helpers";
import { validCluster } from "../plan/arbitraries";
import { ArgvBatch, WHEELS_REQUIRED, realParse } from "./real-parser";

const ROOT = path.join(__dirname, "..", "..");
const EXPECT_REFUSED = "must be refused:";

function addPlan(batch: ArgvBatch, plan: ServingPlan, origin: string): void {
    for (const node of plan.nodes) {
        batch.add(plan.sglang.version, node.launch, `${origin} rank ${node.rank} launch`);
        if (node.precompile) batch.add(plan.sglang.version, node.precompile, `${origin} rank ${node.rank} precompile`);
    }
}

/** A row with every typed setting the release can take at once. */
function richCluster(row: (typeof ROWS)[number], version: string): Record<string, unknown> {
    const c = clusterFor(row, cloudFor(row), row.gpus[0], version);
    const tp = row.nodes * row.gpusPerNode;
    c.sglang = {
        version,
        dpAttention: tp >= 8 ? 8 : 2,
        ...(RELEASES[version]!.dpAttentionWithMtp ? { mtp: { steps: 3, topk: 1, draftTokens: 4 } } : {}),
        toolCalling: true,
        reasoningParser: "deepseek-r1",
        customLogitProcessor: true,
        memFractionStatic: 0.8,
        extraArgs: ["--chunked-prefill-size", "4096", "--max-running-requests", "64", "--context-length", "32768"],
    };
    return c;
}

function collect(): { batch: ArgvBatch; planned: string[] } {
    const batch = new ArgvBatch();
    const planned: string[] = [];
    for (const name of listStacks(ROOT)) {
        const cfg = readStackFile(path.join(stacksDir(ROOT), `Pulumi.${name}.yaml`), name);
        const r = planFromConfig(cfg.values, { stack: name, secretKeys: cfg.secretKeys });
        assert.ok(r.ok, `stack ${name} does not plan: ${!r.ok && JSON.stringify(r.problems)}`);
        addPlan(batch, r.plan, `stack ${name}`);
    }
    // The corpus of valid unusual stack files.
    const corpus = path.join(ROOT, "test", "plan", "corpus");
    for (const f of fs.readdirSync(corpus).filter((n) => n.endsWith(".yaml"))) {
        const cfg = readStackFile(path.join(corpus, f), null);
        const r = planFromConfig(cfg.values, { stack: null, secretKeys: cfg.secretKeys });
        assert.ok(r.ok, `corpus ${f} does not plan`);
        addPlan(batch, r.plan, `corpus ${f}`);
    }
    for (const version of Object.keys(RELEASES)) {
        for (const row of ROWS) {
            for (const gpu of row.gpus) {
                const r = planCluster(clusterFor(row, cloudFor(row, gpu), gpu, version));
                if (r.ok) {
                    addPlan(batch, r.plan, `row ${row.id} on ${gpu}`);
                    planned.push(`${version}/${row.id}/${gpu}`);
                }
            }
            const rich = planCluster(richCluster(row, version));
            if (rich.ok) addPlan(batch, rich.plan, `row ${row.id} with every setting`);
        }
    }
    // Argvs SGLang must refuse, so this check is seen to be able to fail.
    for (const version of Object.keys(RELEASES)) {
        batch.add(version, ["python3", "-m", "sglang.launch_server", "--model-path", "m", "--no-such-flag"], `${EXPECT_REFUSED} unknown flag`);
        batch.add(version, ["python3", "-m", "sglang.launch_server", "--model-path", "m", "--tp-size", "eight"], `${EXPECT_REFUSED} bad int`);
    }
    // Random configurations the planner accepts (the property test's generator).
    for (const cluster of fc.sample(validCluster, { numRuns: 120, seed: 20261202 })) {
        const r = planCluster(cluster);
        if (r.ok) addPlan(batch, r.plan, `random ${JSON.stringify(cluster)}`);
    }
    return { batch, planned };
}

describe("emitted argv against each release's real SGLang parser", () => {
    const { batch, planned } = collect();

    it("the newest release plans every row of the table it supports", () => {
        const newest = Object.keys(RELEASES).sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1)!;
        for (const row of ROWS) for (const gpu of row.gpus) assert.ok(planned.includes(`${newest}/${row.id}/${gpu}`), `${newest} does not plan ${row.id} on ${gpu}`);
    });

    it("every argv parses with the release's own parser, to the values the TypeScript parser reads", (t) => {
        const answer = realParse(batch.argvs);
        if ("missing" in answer) {
            if (WHEELS_REQUIRED) assert.fail(`the real-parser check cannot run: ${answer.missing}`);
            t.skip(`no SGLang wheels here (npm run sglang:wheels fetches them): ${answer.missing}`);
            return;
        }
        const refused = batch.refusals(answer);
        assert.deepEqual(refused.filter((r) => !r.startsWith(EXPECT_REFUSED)), []);
        assert.equal(refused.length, 2 * Object.keys(RELEASES).length, "SGLang refuses the known-bad argvs");
        let compared = 0;
        for (const [version, verdicts] of Object.entries(answer.verdicts)) {
            verdicts.forEach((v, i) => {
                if (!v.ok || batch.origins[version]![i]!.startsWith(EXPECT_REFUSED)) return;
                const argv = batch.argvs[version]![i]!;
                const ts = parseSglangArgv(argv, RELEASES[version]!.flags);
                assert.ok(ts.ok, `TypeScript parser refuses what SGLang ${version} accepts: ${argv.join(" ")}`);
                for (const [dest, value] of Object.entries(v.values)) {
                    assert.deepEqual(ts.parsed.values[dest], value, `${batch.origins[version]![i]}: ${dest} is ${JSON.stringify(value)} for SGLang ${version}, ${JSON.stringify(ts.parsed.values[dest])} for the TypeScript parser`);
                    compared++;
                }
            });
        }
        assert.ok(compared > batch.size, `compared ${compared} values over ${batch.size} argvs`);
    });
});
