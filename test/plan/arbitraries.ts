// Random stack configurations for property tests: `validCluster` gives clusters the planner should accept
// (memFractionStatic from 0.8: lower values leave some rows no KV cache and are refused on purpose).

import fc from "fast-check";
import { CLOUD_IDS, GPU_IDS, RELEASES, ROWS, gpusOffered, type CloudId } from "../../src/catalog/index";

const DIVISORS_OF_TP = (tp: number) => [2, 4, 8, 16, 32].filter((d) => tp % d === 0);

export const validCluster = fc
    .record({
        row: fc.constantFrom(...ROWS),
        gpuIndex: fc.nat(),
        cloudIndex: fc.nat(),
        version: fc.constantFrom(...Object.keys(RELEASES)),
        dpIndex: fc.option(fc.nat(), { nil: undefined }),
        mtpSteps: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        toolCalling: fc.boolean(),
        reasoning: fc.boolean(),
        logitProcessor: fc.boolean(),
        torchCompile: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
        mem: fc.option(fc.integer({ min: 80, max: 95 }).map((n) => n / 100), { nil: undefined }),
        chunked: fc.option(fc.constantFrom(2048, 4096, 8192, 16384), { nil: undefined }),
        maxRunning: fc.option(fc.integer({ min: 1, max: 1024 }), { nil: undefined }),
    })
    .map((r) => {
        const gpu = r.row.gpus[r.gpuIndex % r.row.gpus.length]!;
        const clouds = CLOUD_IDS.filter((c) => gpusOffered(c, GPU_IDS).includes(gpu));
        const cloud: CloudId = clouds[r.cloudIndex % clouds.length]!;
        const tp = r.row.nodes * r.row.gpusPerNode;
        const mtpAllowed = r.dpIndex === undefined || RELEASES[r.version]!.dpAttentionWithMtp;
        const sglang: Record<string, unknown> = { version: r.version };
        if (r.dpIndex !== undefined) sglang.dpAttention = DIVISORS_OF_TP(tp)[r.dpIndex % DIVISORS_OF_TP(tp).length];
        if (r.mtpSteps !== undefined && mtpAllowed) sglang.mtp = { steps: r.mtpSteps, topk: 1, draftTokens: r.mtpSteps + 1 };
        if (r.toolCalling) sglang.toolCalling = true;
        if (r.reasoning) sglang.reasoningParser = "deepseek-r1";
        if (r.logitProcessor) sglang.customLogitProcessor = true;
        if (r.torchCompile !== undefined) sglang.torchCompile = { maxBs: r.torchCompile };
        if (r.mem !== undefined) sglang.memFractionStatic = r.mem;
        const extraArgs: string[] = [];
        if (r.chunked !== undefined) extraArgs.push("--chunked-prefill-size", String(r.chunked));
        if (r.maxRunning !== undefined) extraArgs.push("--max-running-requests", String(r.maxRunning));
        if (extraArgs.length > 0) sglang.extraArgs = extraArgs;
        const cluster: Record<string, unknown> = { cloud, gpu, weights: r.row.weights, sglang };
        if (cloud === "hosts") cluster.hosts = { addresses: Array.from({ length: r.row.nodes }, (_, i) => `192.168.7.${i + 1}`) };
        return cluster;
    });

