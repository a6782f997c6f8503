// Mock-preview timing of the AWS component, for `npm run bench` (the lead's bench/run.ts calls it):
// how long Pulumi's mock runtime takes to register a stack's whole graph, and how big it is.

import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import type { ServingPlan } from "../../plan/types.js";
import type { AwsConfig } from "../../spec/schema.js";
import { awsPreviewMocks, type AwsPreviewWorld } from "./preview-mocks.js";

export interface AwsPreviewTiming {
    /** Wall time of each run in ms: construct the component, resolve its outputs, drain registrations. */
    runsMs: number[];
    medianMs: number;
    /** Resources registered per run (component included). */
    resources: number;
}

/** Preview `plan` under fresh mocks `runs` times (default 5) and time each run. */
export async function measureAwsMockPreview(plan: ServingPlan, aws: AwsConfig, runs = 5, world: AwsPreviewWorld = { region: plan.region ?? undefined }): Promise<AwsPreviewTiming> {
    const { AwsServingCluster } = await import("./cluster.js");
    const runsMs: number[] = [];
    let resources = 0;
    for (let i = 0; i < runs; i++) {
        let count = 0;
        await pulumi.runtime.setMocks(awsPreviewMocks(world, () => count++), "deepseek-sglang", `bench-${i}`, false);
        const t0 = performance.now();
        const cluster = new AwsServingCluster(plan.stack ?? "bench", { plan, aws, hfToken: pulumi.secret("hf_bench") });
        await resolved(cluster.logCommands);
        await resolved(cluster.endpoint);
        await drainRegistrations();
        runsMs.push(performance.now() - t0);
        resources = count;
    }
    const sorted = [...runsMs].sort((a, b) => a - b);
    return { runsMs, medianMs: sorted[Math.floor(sorted.length / 2)]!, resources };
}

function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((res) => output.apply((v) => { res(v); return v; }));
}

// waitForRPCs is in @pulumi/pulumi 3.248.0's runtime JS but not in its typings.
async function drainRegistrations(): Promise<void> {
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (waitForRPCs) await waitForRPCs();
}
