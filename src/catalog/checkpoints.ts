// DeepSeek V3/R1 checkpoints the library knows how to serve (sglang-facts §8).
//
// Sizes: sglang-facts §9 says exact on-disk sizes were not established, so the figures below are
// estimates from the parameter count (671B main + 14B MTP = 685B) times bytes per parameter, rounded
// up; the boot pipeline verifies the real bytes against the repo's own manifest at download time.
// BF16 "over 1.3 TB" is the SGLang README's own figure (sglang-facts §1.1).

import type { WeightsId } from "./rows";

export interface Checkpoint {
    repo: string;
    weights: WeightsId;
    /** `quant_method` of the checkpoint's config.json; null for unquantized BF16. */
    quantization: "fp8" | "awq" | "blockwise_int8" | "w8a8_int8" | null;
    /** `--quantization` SGLang needs to serve it, or null when it is detected from the checkpoint. */
    quantizationFlag: string | null;
    /** Estimated bytes on disk. */
    bytes: number;
    /** Attention heads in config.json; `--tp-size` must divide it (and the MoE intermediate size). */
    attentionHeads: number;
    note?: string;
}

const FP8_BYTES = 689e9; // 685B params at ~1 byte incl. BF16 embeddings/norms and block scales (R1 "720GB", sglang-facts §9)
const BF16_BYTES = 1.37e12; // 685B params at 2 bytes; README: "over 1.3 TB"
const AWQ_BYTES = 370e9; // 4-bit experts + FP16 attention/shared weights and group scales
const INT8_BYTES = 700e9; // 1 byte per weight plus scales

//  repo                                    weights quantization       quantizationFlag  bytes        source
export const CHECKPOINTS: Checkpoint[] = [
    { repo: "deepseek-ai/DeepSeek-V3",               weights: "fp8",  quantization: "fp8",            quantizationFlag: null,          bytes: FP8_BYTES,  attentionHeads: 128 }, // §8: already FP8
    { repo: "deepseek-ai/DeepSeek-V3-0324",          weights: "fp8",  quantization: "fp8",            quantizationFlag: null,          bytes: FP8_BYTES,  attentionHeads: 128 }, // §8
    { repo: "deepseek-ai/DeepSeek-R1",               weights: "fp8",  quantization: "fp8",            quantizationFlag: null,          bytes: FP8_BYTES,  attentionHeads: 128 }, // §8
    { repo: "deepseek-ai/DeepSeek-R1-0528",          weights: "fp8",  quantization: "fp8",            quantizationFlag: null,          bytes: FP8_BYTES,  attentionHeads: 128 }, // §8, §1.4
    { repo: "unsloth/DeepSeek-R1-0528-BF16",         weights: "bf16", quantization: null,             quantizationFlag: null,          bytes: BF16_BYTES, attentionHeads: 128 }, // §1.4, §8
    { repo: "cognitivecomputations/DeepSeek-R1-AWQ", weights: "awq",  quantization: "awq",            quantizationFlag: "moe_wna16",   bytes: AWQ_BYTES,  attentionHeads: 128 }, // §1.1 AWQ row
    { repo: "QuixiAI/DeepSeek-R1-0528-AWQ",          weights: "awq",  quantization: "awq",            quantizationFlag: "moe_wna16",   bytes: AWQ_BYTES,  attentionHeads: 128 }, // §1.4 (Dec 2025 docs)
    { repo: "cognitivecomputations/DeepSeek-V3-AWQ", weights: "awq",  quantization: "awq",            quantizationFlag: "moe_wna16",   bytes: AWQ_BYTES,  attentionHeads: 128,
      note: "not in SGLang's docs, and sgl-project/sglang issue #6654 reports garbled output from it with --quantization moe_wna16 on 8 x H100; cognitivecomputations/DeepSeek-R1-AWQ is the checkpoint SGLang documents" }, // §8
    { repo: "meituan/DeepSeek-R1-Block-INT8",        weights: "int8", quantization: "blockwise_int8", quantizationFlag: null,          bytes: INT8_BYTES, attentionHeads: 128 }, // §1.1: no --quantization
    { repo: "meituan/DeepSeek-R1-Channel-INT8",      weights: "int8", quantization: "w8a8_int8",      quantizationFlag: "w8a8_int8",   bytes: INT8_BYTES, attentionHeads: 128 }, // §1.1: --quantization w8a8_int8
];

export function findCheckpoint(repo: string): Checkpoint | undefined {
    return CHECKPOINTS.find((c) => c.repo === repo);
}

/** MoE intermediate size per expert (DeepSeek-V3 config.json `moe_intermediate_size`); TP shards it. */
export const MOE_INTERMEDIATE_SIZE = 2048;
/** Intermediate size of the dense MLP layers (DeepSeek-V3 config.json `intermediate_size`); TP shards it. */
export const DENSE_INTERMEDIATE_SIZE = 18432;
/**
 * Block size of block-quantized checkpoints: FP8 `weight_block_size: [128, 128]` (sglang-facts §8)
 * and meituan's block INT8 (128x128, §8). SGLang refuses shards that are not whole blocks.
 */
export const QUANT_BLOCK = 128;
