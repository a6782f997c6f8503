// SGLang argv per node. Canonical long flag names only; the order follows the seed's recipes
// (model, parallelism, rendezvous, trust-remote-code, quantization, host/port) so a reader can
// compare a node's command with the seed's flag by flag.

import type { Checkpoint, Release } from "../catalog/index";
import type { SglangConfig } from "../intent/schema";

export const LAUNCH_SERVER = ["python3", "-m", "sglang.launch_server"];
export const COMPILE_DEEP_GEMM = ["python3", "-m", "sglang.compile_deep_gemm"];

/** Seed FAQ: "--dist-timeout 3600" for slow loads and NCCL timeouts on multi-node. */
export const MULTI_NODE_DIST_TIMEOUT_S = 3600;
/** Replaced with the API key at boot; reserved in user values (intent/values.ts). */
export const API_KEY_PLACEHOLDER = "@SGLANG_API_KEY@";

export interface ArgvInputs {
    release: Release;
    checkpoint: Checkpoint;
    modelPath: string;
    servedModelName: string;
    tp: number;
    nnodes: number;
    rank: number;
    distInitAddr: string;
    httpPort: number;
    attentionBackend: string | undefined;
    /** --torch-compile-max-bs when torch.compile is on, else null. */
    torchCompileMaxBs: number | null;
    sglang: SglangConfig;
}

/** The server's flags for one rank, without the `python3 -m ...` prefix and without the API key. */
export function serverFlags(i: ArgvInputs): string[] {
    const s = i.sglang;
    const flags: string[] = ["--model-path", i.modelPath, "--served-model-name", i.servedModelName, "--tp-size", String(i.tp)];
    if (i.nnodes > 1) {
        flags.push("--dist-init-addr", i.distInitAddr, "--nnodes", String(i.nnodes), "--node-rank", String(i.rank));
    }
    flags.push("--trust-remote-code");
    if (i.checkpoint.quantizationFlag) flags.push("--quantization", i.checkpoint.quantizationFlag);
    flags.push("--host", "0.0.0.0", "--port", String(i.httpPort));
    if (i.nnodes > 1) flags.push("--dist-timeout", String(MULTI_NODE_DIST_TIMEOUT_S));
    flags.push("--enable-metrics");
    if (i.attentionBackend) flags.push("--attention-backend", i.attentionBackend);
    if (s.dpAttention !== undefined) flags.push(...dpAttentionFlags(i.release, s.dpAttention));
    if (s.mtp) {
        flags.push(
            "--speculative-algorithm", "EAGLE",
            "--speculative-num-steps", String(s.mtp.steps),
            "--speculative-eagle-topk", String(s.mtp.topk),
            "--speculative-num-draft-tokens", String(s.mtp.draftTokens),
        );
    }
    if (s.toolCalling) flags.push("--tool-call-parser", "deepseekv3", "--chat-template", i.release.toolChatTemplate);
    if (s.reasoningParser) flags.push("--reasoning-parser", s.reasoningParser);
    if (s.customLogitProcessor) flags.push("--enable-custom-logit-processor");
    if (i.torchCompileMaxBs !== null) flags.push("--enable-torch-compile", "--torch-compile-max-bs", String(i.torchCompileMaxBs));
    if (s.memFractionStatic !== undefined) flags.push("--mem-fraction-static", String(s.memFractionStatic));
    flags.push(...(s.extraArgs ?? []));
    return flags;
}

/** DP attention in the release's own spelling (catalog `dpAttentionStyle`). */
export function dpAttentionFlags(release: Release, dp: number): string[] {
    return release.dpAttentionStyle === "attn-dp-size" ? ["--attn-dp-size", String(dp)] : ["--enable-dp-attention", "--dp-size", String(dp)];
}

/** Only rank 0 serves the API (sglang-facts §5), so only rank 0 carries the key. */
export function launchArgv(i: ArgvInputs): string[] {
    const flags = serverFlags(i);
    if (i.rank === 0) flags.push("--api-key", API_KEY_PLACEHOLDER);
    return [...LAUNCH_SERVER, ...flags];
}

/**
 * compile_deep_gemm takes the server's own arguments (sglang-facts §3: "run with same args as
 * launch_server"). It polls /v1/models, which an API key would lock, and its server never serves
 * users, so the key is left out.
 */
export function precompileArgv(i: ArgvInputs): string[] {
    // Where the release allows it, random weights of the real shapes: the precompile then needs only
    // config.json and tp, and runs while the weights download (Release.deepgemmDummyLoad).
    return [...COMPILE_DEEP_GEMM, ...serverFlags(i), ...(i.release.deepgemmDummyLoad ? ["--load-format", "dummy"] : [])];
}
