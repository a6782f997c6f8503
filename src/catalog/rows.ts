// The requirements table of SGLang's DeepSeek page (seed/deepseek-usage.md, "Launch DeepSeek V3 with SGLang"),
// one entry per row, with the launch recipe SGLang documents for it (sglang-facts §1.1).

import type { GpuId } from "./gpus";

export type WeightsId = "fp8" | "bf16" | "awq" | "int8";
export const WEIGHTS_IDS: WeightsId[] = ["fp8", "bf16", "awq", "int8"];

export interface Row {
    id: string;
    weights: WeightsId;
    /** GPUs the row names ("H100/800/20" is three GPUs). */
    gpus: GpuId[];
    nodes: number;
    gpusPerNode: number;
    /** Checkpoint the row's recipe serves by default (catalog/checkpoints.ts). */
    defaultModel: string;
    /** `--torch-compile-max-bs` the recipe turns on, or null (INT8 recipes, sglang-facts §1.1). */
    torchCompileMaxBs: number | null;
}

//  id                  weights  gpus                     nodes  defaultModel                            torchCompileMaxBs
export const ROWS: Row[] = [
    { id: "fp8-8xh200",      weights: "fp8",  gpus: ["H200"],                nodes: 1, gpusPerNode: 8, defaultModel: "deepseek-ai/DeepSeek-V3",            torchCompileMaxBs: null },
    { id: "fp8-8xmi300x",    weights: "fp8",  gpus: ["MI300X"],              nodes: 1, gpusPerNode: 8, defaultModel: "deepseek-ai/DeepSeek-V3",            torchCompileMaxBs: null },
    { id: "fp8-2x8xh100",    weights: "fp8",  gpus: ["H100", "H800", "H20"], nodes: 2, gpusPerNode: 8, defaultModel: "deepseek-ai/DeepSeek-V3",            torchCompileMaxBs: null },
    { id: "bf16-2x8xh200",   weights: "bf16", gpus: ["H200"],                nodes: 2, gpusPerNode: 8, defaultModel: "deepseek-ai/DeepSeek-V3",            torchCompileMaxBs: null },
    { id: "bf16-2x8xmi300x", weights: "bf16", gpus: ["MI300X"],              nodes: 2, gpusPerNode: 8, defaultModel: "deepseek-ai/DeepSeek-V3",            torchCompileMaxBs: null },
    { id: "bf16-4x8xh100",   weights: "bf16", gpus: ["H100", "H800", "H20"], nodes: 4, gpusPerNode: 8, defaultModel: "deepseek-ai/DeepSeek-V3",            torchCompileMaxBs: null },
    { id: "bf16-4x8xa100",   weights: "bf16", gpus: ["A100", "A800"],        nodes: 4, gpusPerNode: 8, defaultModel: "deepseek-ai/DeepSeek-V3",            torchCompileMaxBs: null },
    { id: "awq-8xh100",      weights: "awq",  gpus: ["H100", "H800", "H20"], nodes: 1, gpusPerNode: 8, defaultModel: "cognitivecomputations/DeepSeek-R1-AWQ", torchCompileMaxBs: null },
    { id: "awq-8xa100",      weights: "awq",  gpus: ["A100", "A800"],        nodes: 1, gpusPerNode: 8, defaultModel: "cognitivecomputations/DeepSeek-R1-AWQ", torchCompileMaxBs: null },
    { id: "int8-16xa100",    weights: "int8", gpus: ["A100", "A800"],        nodes: 2, gpusPerNode: 8, defaultModel: "meituan/DeepSeek-R1-Block-INT8",     torchCompileMaxBs: 8 },
    { id: "int8-32xl40s",    weights: "int8", gpus: ["L40S"],                nodes: 4, gpusPerNode: 8, defaultModel: "meituan/DeepSeek-R1-Channel-INT8",   torchCompileMaxBs: 32 },
];

/**
 * Shapes smaller than their row that SGLang's own docs run: the seed's function-calling example
 * serves FP8 DeepSeek-V3-0324 "running on 1 * H20 node" (96 GB per GPU). Every other node count
 * below the row is refused as the table says.
 */
export const DOCUMENTED_SMALLER_SHAPES: { row: string; gpu: GpuId; nodes: number }[] = [
    { row: "fp8-2x8xh100", gpu: "H20", nodes: 1 }, // seed/deepseek-usage.md, "Function calling for DeepSeek Models"
];

/** The row of the table that serves `weights` on `gpu`, if any. */
export function findRow(weights: WeightsId, gpu: GpuId): Row | undefined {
    return ROWS.find((r) => r.weights === weights && r.gpus.includes(gpu));
}
