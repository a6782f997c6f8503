// `npm run bench`: planning time per stack (target: the pure planner under 20 ms per stack) and the
// mock preview time of the largest stack. Figures, not pass/fail tests: the machine's load varies.

import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { listStacks, readStackFile } from "../src/config";
import { planFromConfig } from "../src/plan/index";
import { previewStack } from "../src/cli/preview";

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
    // Mock preview (the real program under Pulumi's mock runtime) of every stack with a component;
    // the largest by resource count is the figure the AWS issue asks for.
    console.log("mock preview, median of 5 runs per stack:");
    let largest = { stack: "", resources: 0, ms: 0 };
    for (const config of stacks) {
        const plan = planFromConfig(config.values, { stack: config.stack, secretKeys: config.secretKeys });
        if (!plan.ok) throw new Error(`${config.stack} does not plan`);
        const times: number[] = [];
        let resources = 0;
        for (let i = 0; i < 5; i++) {
            const t0 = performance.now();
            resources = (await previewStack(config, plan.plan)).resources.length;
            times.push(performance.now() - t0);
        }
        if (resources === 0) continue;
        console.log(`  ${config.stack!.padEnd(24)} ${String(resources).padStart(3)} resources  ${median(times).toFixed(0)} ms`);
        if (resources > largest.resources) largest = { stack: config.stack!, resources, ms: median(times) };
    }
    console.log(`largest stack: ${largest.stack} (${largest.resources} resources), mock preview ${largest.ms.toFixed(0)} ms`);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
