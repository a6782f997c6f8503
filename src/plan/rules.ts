// The seed's and SGLang's rules: each function returns the problems it finds, so plan() can refuse
// with every problem at once. Each rule cites where SGLang says the configuration will not work.

import {
    CLOUDS,
    GPU_IDS,
    MLA_BACKENDS,
    ROWS,
    gpusOffered,
    type Checkpoint,
    type CloudId,
    type Gpu,
    type Release,
    type WeightsId,
    canonicalDest,
} from "../catalog/index";
import type { ClusterConfig, MtpConfig } from "../intent/schema";
import { deprecationReplacement, isDeprecatedFlag, resolveOptionToken } from "./argparse";
import { at } from "./paths";
import type { Problem } from "./types";

export function checkGpuOffered(cloud: CloudId, gpu: Gpu): Problem[] {
    const offered = gpusOffered(cloud, GPU_IDS);
    if (offered.includes(gpu.id)) return [];
    return [{ path: at("gpu"), reason: `${cloud} does not offer ${gpu.id} GPUs; ${cloud} offers ${offered.join(", ")}; use cloud: hosts for machines you already have` }];
}

export function checkWeightsOnGpu(weights: WeightsId, gpu: Gpu): Problem[] {
    if (weights === "fp8" && !gpu.fp8) {
        return [{ path: at("weights"), reason: `${gpu.id} (${gpu.arch}) has no FP8 support, so the FP8 checkpoint cannot run on it; the table serves ${gpu.id} with ${weightsServedOn(gpu).join(", ")}` }];
    }
    if (!ROWS.some((r) => r.weights === weights && r.gpus.includes(gpu.id))) {
        return [{ path: at("weights"), reason: `no row of SGLang's DeepSeek requirements table serves ${weights} weights on ${gpu.id}; rows for ${gpu.id}: ${ROWS.filter((r) => r.gpus.includes(gpu.id)).map((r) => r.id).join(", ")}` }];
    }
    return [];
}

function weightsServedOn(gpu: Gpu): WeightsId[] {
    return [...new Set(ROWS.filter((r) => r.gpus.includes(gpu.id)).map((r) => r.weights))];
}

/** Only FP8 -> BF16 can be converted (DeepSeek's fp8_cast_bf16.py; sglang-facts §1.1 4xA100 row). */
export function checkCheckpointFormat(checkpoint: Checkpoint, weights: WeightsId): Problem[] {
    if (checkpoint.weights === weights) return [];
    if (checkpoint.weights === "fp8" && weights === "bf16") return [];
    return [{ path: at("model"), reason: `${checkpoint.repo} is a ${checkpoint.weights.toUpperCase()} checkpoint but weights is ${weights}; only an FP8 checkpoint can be converted (to BF16), so pick a ${weights.toUpperCase()} checkpoint` }];
}

/** tp shards attention heads and MoE intermediate size, so it must divide both (DeepSeek config.json). */
export function checkTensorParallel(tp: number, checkpoint: Checkpoint, moeIntermediate: number, nodesGiven: boolean, workingNodes: number[], gpusPerNode: number): Problem[] {
    if (checkpoint.attentionHeads % tp === 0 && moeIntermediate % tp === 0) return [];
    const advice = workingNodes.length > 0 ? `use ${workingNodes.join(" or ")} node(s) of ${gpusPerNode} GPUs` : "no node count of this GPU serves it";
    return [{ path: at(nodesGiven ? "nodes" : "gpu"), reason: `--tp-size ${tp} (all GPUs of all nodes) must divide DeepSeek's ${checkpoint.attentionHeads} attention heads and ${moeIntermediate} MoE intermediate size; ${advice}` }];
}

export function checkDpAttention(dp: number | undefined, tp: number, release: Release, mtp: boolean): Problem[] {
    if (dp === undefined) return [];
    const problems: Problem[] = [];
    // 0.4.6.post5 asserts dp_size > 1 with DP attention; later releases silently turn it off (§2.3, §2.4).
    if (dp < 2) problems.push({ path: at("sglang", "dpAttention"), reason: `DP attention needs a DP size of at least 2 (SGLang: 1 < dp-size <= tp-size); got ${dp}` });
    else if (tp % dp !== 0) problems.push({ path: at("sglang", "dpAttention"), reason: `DP size ${dp} must divide tp-size ${tp} (SGLang asserts tp_size % dp_size == 0)` });
    if (mtp && !release.dpAttentionWithMtp) {
        problems.push({ path: at("sglang", "dpAttention"), reason: `DP attention with MTP hangs on SGLang ${release.version} (issue #6296, fixed by PR #6081 after this release); drop one or use a newer release` });
    }
    return problems;
}

export function checkAttentionBackend(backend: string | undefined, gpu: Gpu, release: Release): Problem[] {
    if (backend === undefined) return [];
    const path = at("sglang", "attentionBackend");
    const choices = release.flags.find((f) => f.option_strings.includes("--attention-backend"))?.choices ?? [];
    if (!choices.includes(backend)) return [{ path, reason: `SGLang ${release.version} has no attention backend "${backend}"; choices: ${choices.join(", ")}` }];
    const mla = MLA_BACKENDS[backend];
    if (!mla) {
        return [{ path, reason: `"${backend}" is not an MLA backend DeepSeek can use in SGLang ${release.version}; MLA backends: ${Object.keys(MLA_BACKENDS).filter((n) => choices.includes(n)).join(", ")}` }];
    }
    if (!mla.archs.includes(gpu.arch)) {
        return [{ path, reason: `${backend} does not run on ${gpu.id} (${gpu.arch}); it runs on ${mla.archs.length > 0 ? mla.archs.join(", ") : "Blackwell only"}` }];
    }
    return [];
}

/** The backend SGLang will use: the user's, else the release's default for this GPU (§2.3, §2.4). */
export function effectiveBackend(backend: string | undefined, gpu: Gpu, release: Release): string {
    if (backend) return backend;
    if (gpu.vendor === "amd") return release.defaultMlaBackend.rocm;
    return gpu.hopper ? release.defaultMlaBackend.hopper : release.defaultMlaBackend.other;
}

export function checkMtp(mtp: MtpConfig | undefined, backend: string, release: Release): Problem[] {
    if (!mtp) return [];
    const problems: Problem[] = [];
    // Seed: "For FlashInfer backend ... --speculative-eagle-topk parameter should be set to 1".
    if (backend === "flashinfer" && mtp.topk > 1) {
        problems.push({ path: at("sglang", "mtp", "topk"), reason: `flashinfer supports MTP only with topk 1 (SGLang: "Flashinfer MLA only supports topk=1 for speculative decoding"); got ${mtp.topk}` });
    }
    // Seed: "MTP support for the CutlassMLA backend is still under development" (0.4.6.post5).
    if (backend === "cutlass_mla" && !release.mtpOnCutlassMla) {
        problems.push({ path: at("sglang", "mtp"), reason: `MTP is not supported on cutlass_mla in SGLang ${release.version}` });
    }
    // SGLang forces num_draft_tokens = steps + 1 when topk == 1 (§2.3): say so instead of silently serving other values.
    if (mtp.topk === 1 && mtp.draftTokens !== mtp.steps + 1) {
        problems.push({ path: at("sglang", "mtp", "draftTokens"), reason: `with topk 1 SGLang sets draft tokens to steps + 1 = ${mtp.steps + 1}; set draftTokens: ${mtp.steps + 1}` });
    }
    if (mtp.topk > 1 && mtp.draftTokens > mtp.steps * mtp.topk + 1) {
        problems.push({ path: at("sglang", "mtp", "draftTokens"), reason: `draftTokens ${mtp.draftTokens} exceeds the ${mtp.steps * mtp.topk + 1} tokens ${mtp.steps} steps of topk ${mtp.topk} can draft` });
    }
    return problems;
}

export function checkChunkedPrefixCache(wanted: boolean | undefined, backend: string, release: Release): Problem[] {
    if (!wanted || release.chunkedPrefixCacheBackends.includes(backend)) return [];
    return [{ path: at("sglang", "chunkedPrefixCache"), reason: `the chunked prefix cache works only with ${release.chunkedPrefixCacheBackends.join(", ")} in SGLang ${release.version}; the attention backend here is ${backend}` }];
}

/** DeepGEMM: FP8 block GEMMs on Hopper only in these releases (sglang-facts §3). */
export function checkDeepGemm(wanted: boolean | undefined, gpu: Gpu, servedFp8: boolean, release: Release): Problem[] {
    if (wanted !== true) return [];
    const path = at("sglang", "deepGemm");
    if (gpu.vendor !== "nvidia" || !gpu.hopper) return [{ path, reason: `DeepGEMM runs only on NVIDIA Hopper (sm90) in SGLang ${release.version}; ${gpu.id} is ${gpu.arch}` }];
    if (!servedFp8) return [{ path, reason: "DeepGEMM accelerates FP8 block GEMMs; these weights are not served in FP8" }];
    return [];
}

export function checkChoice(value: string | undefined, flag: string, path: string, release: Release): Problem[] {
    if (value === undefined) return [];
    const choices = release.flags.find((f) => f.option_strings.includes(flag))?.choices ?? [];
    if (choices.includes(value)) return [];
    return [{ path, reason: `SGLang ${release.version} has no ${flag} "${value}"; choices: ${choices.join(", ")}` }];
}

/** Flags the library decides; a user setting them through extraArgs would break the cluster. Keyed by argparse dest. */
export const MANAGED_DESTS: Record<string, string> = {
    model_path: "set model",
    served_model_name: "the library serves the model under its repo id",
    tp_size: "tp-size is the GPU count of all nodes; set nodes",
    dp_size: "set sglang.dpAttention",
    attn_dp_size: "set sglang.dpAttention",
    enable_dp_attention: "set sglang.dpAttention",
    nnodes: "set nodes",
    node_rank: "each node's rank is assigned by the library",
    dist_init_addr: "rank 0's fixed private address is assigned by the library",
    host: "the library binds the API on all interfaces behind the security group",
    port: "the API port is fixed by the library",
    trust_remote_code: "always on for DeepSeek",
    enable_metrics: "always on",
    dist_timeout: "set by the library for multi-node (seed FAQ)",
    quantization: "follows the checkpoint; pick the model instead",
    attention_backend: "set sglang.attentionBackend",
    speculative_algorithm: "set sglang.mtp",
    speculative_num_steps: "set sglang.mtp.steps",
    speculative_eagle_topk: "set sglang.mtp.topk",
    speculative_num_draft_tokens: "set sglang.mtp.draftTokens",
    tool_call_parser: "set sglang.toolCalling",
    chat_template: "set sglang.toolCalling",
    reasoning_parser: "set sglang.reasoningParser",
    enable_custom_logit_processor: "set sglang.customLogitProcessor",
    enable_torch_compile: "set sglang.torchCompile",
    torch_compile_max_bs: "set sglang.torchCompile.maxBs",
    mem_fraction_static: "set sglang.memFractionStatic",
};

/**
 * Flags whose value is a secret, by dest, with where that secret belongs instead. extraArgs are plain
 * stack config: they sit unencrypted in the stack file, the Pulumi state, the user data and `ps`.
 */
export const SECRET_DESTS: Record<string, string> = {
    api_key: "the library generates the API key, keeps it in the cloud's secret store and reads it at boot; read it with `pulumi stack output apiKey --show-secrets`",
    admin_api_key: "the library has no secret setting for an admin key yet, and a plain value would leak; leave the admin endpoints off",
    ssl_keyfile_password: "TLS is not terminated by SGLang in this library (the endpoint is private behind the allow-list); a key password in plain config would leak",
    watermark_config: "its inline JSON carries the watermark keys; the library has no secret setting for them yet",
};

/**
 * extraArgs: every option must be a full, current option of the release and not one the library
 * manages; FP8 checkpoints take no --quantization and no fp8_e5m2 KV cache (the seed's warning).
 */
export function checkExtraArgs(extraArgs: string[] | undefined, release: Release, checkpoint: Checkpoint | undefined): Problem[] {
    if (!extraArgs) return [];
    const problems: Problem[] = [];
    extraArgs.forEach((token, i) => {
        const path = at("sglang", "extraArgs", i);
        // Bare tokens are values; the full-argv parse in plan() checks their count, type and choices.
        if (!token.startsWith("--")) return;
        const name = token.split("=")[0]!;
        const value = token.includes("=") ? token.slice(name.length + 1) : extraArgs[i + 1];
        const resolved = resolveOptionToken(name, release.flags);
        if (resolved.kind === "unknown") {
            problems.push({ path, reason: `SGLang ${release.version} has no flag ${name}` });
            return;
        }
        if (resolved.kind === "ambiguous") {
            problems.push({ path, reason: `${name} is an ambiguous abbreviation (${(resolved.candidates ?? []).join(", ")}); write the full flag name` });
            return;
        }
        const flag = resolved.flag!;
        if (resolved.kind === "abbreviation") {
            problems.push({ path, reason: `${name} is an abbreviation of ${flag.flag}; SGLang accepts it but the library requires full flag names` });
            return;
        }
        if (isDeprecatedFlag(flag)) {
            const instead = deprecationReplacement(flag, release.flags);
            problems.push({ path, reason: `${name} is deprecated in SGLang ${release.version}${instead ? `; use ${instead}` : ""}` });
            return;
        }
        if (checkpoint?.quantization === "fp8" && flag.dest === "kv_cache_dtype" && value === "fp8_e5m2") {
            problems.push({ path, reason: `${checkpoint.repo} is already FP8: do not run it with --kv-cache-dtype fp8_e5m2 (seed: "we should not run it with any quantization arguments")` });
            return;
        }
        if (checkpoint?.quantization === "fp8" && flag.dest === "quantization") {
            problems.push({ path, reason: `${checkpoint.repo} is already FP8: do not pass --quantization (seed: "we should not run it with any quantization arguments like --quantization fp8")` });
            return;
        }
        if (flag.dest === "config") {
            problems.push({ path, reason: `${name} loads further flags from a file the library cannot check; put them in extraArgs` });
            return;
        }
        const secret = SECRET_DESTS[canonicalDest(flag.dest)];
        if (secret) {
            problems.push({ path, reason: `${name} carries a secret, and extraArgs are plain config (stack file, state, user data); ${secret}` });
            return;
        }
        const managed = MANAGED_DESTS[canonicalDest(flag.dest)];
        if (managed) problems.push({ path, reason: `${name} is managed by the library (${managed})` });
    });
    return problems;
}


export function checkCloudBlocks(cluster: ClusterConfig): Problem[] {
    const problems: Problem[] = [];
    for (const cloud of Object.keys(CLOUDS) as CloudId[]) {
        if (cloud !== cluster.cloud && cluster[cloud] !== undefined) {
            problems.push({ path: at(cloud), reason: `this stack runs on ${cluster.cloud}; only the ${cluster.cloud} block may be set` });
        }
    }
    return problems;
}
