// `npm run bench`: planning time per stack (target: the pure planner under 20 ms per stack) and the
// mock preview time of the largest stack. Figures, not pass/fail tests: the machine's load varies.

import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { listStacks, readStackFile } from "../src/config.js";
import { planFromConfig } from "../src/plan/index.js";
import { previewStack } from "../src/cli/preview.js";

const ROOT = path.resolve(__dirname, "..");
const RUNS = 200;
const TARGET_MS = 20;

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
    const stacks = listStacks(ROOT).map((name) => readStackFile(path.join(ROOT, "stacks", `Pulumi.${name}.yaml`), name));
    console.log(`pure planner, median and max of ${RUNS} runs per stack (target < ${TARGET_MS} ms):`);
    for (const config of stacks) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            const t0 = performance.now();
            const r = planFromConfig(config.values, { stack: config.stack, secretKeys: config.secretKeys });
            times.push(performance.now() - t0);
            if (!r.ok) throw new Error(`${config.stack} does not plan`);
        }
        const med = median(times);
        console.log(`  ${config.stack!.padEnd(24)} median ${med.toFixed(2)} ms  max ${Math.max(...times).toFixed(2)} ms  ${med < TARGET_MS ? "ok" : "OVER TARGET"}`);
    }
    // The largest stack: the most nodes (int8-32xl40s: 4 nodes with 4 EFA interfaces each).
    const largest = stacks.reduce((a, b) => (nodesOf(b) > nodesOf(a) ? b : a));
    const plan = planFromConfig(largest.values, { stack: largest.stack, secretKeys: largest.secretKeys });
    if (!plan.ok) throw new Error("largest stack does not plan");
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        count = (await previewStack(largest, plan.plan)).resources.length;
        times.push(performance.now() - t0);
    }
    console.log(`mock preview of ${largest.stack} (${count} resources), median of 5 runs: ${median(times).toFixed(0)} ms (first run ${times[0]!.toFixed(0)} ms)`);
}

function nodesOf(c: { values: Record<string, unknown> }): number {
    const r = planFromConfig(c.values, { stack: null });
    return r.ok ? r.plan.nodes.length * 10 + (r.plan.cloud === "aws" ? 1 : 0) : 0;
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
