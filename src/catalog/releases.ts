// SGLang releases the library can target: image tags, flag set, env-var spelling and the rules that
// changed between them. Each fact cites sglang-facts.md.

import v046Flags from "./sglang-flags/v0.4.6.post5.json";
import latestFlags from "./sglang-flags/main-2026-07-20.json";

/** One argparse action as SGLang's own parser defines it (extracted by running `add_cli_args`). */
export interface FlagSpec {
    flag: string;
    option_strings: string[];
    dest: string;
    type: string | null;
    default: unknown;
    choices: string[] | null;
    nargs: string | number | null;
    action: string;
    required: boolean;
    const: unknown;
    help_first_sentence: string | null;
    deprecated: boolean;
}

export interface Release {
    version: string;
    images: { cuda: string; rocm: string };
    flags: FlagSpec[];
    /** Prefix of SGLang's env vars: renamed SGL_* -> SGLANG_* in late 2025 (sglang-facts §3). */
    envPrefix: "SGL_" | "SGLANG_";
    /**
     * Readiness: in 0.4.6.post5 `/health` answers 200 as soon as uvicorn is up, so only
     * `/health_generate` proves a generation; from #9034 on `/health` waits for warmup and generates
     * (sglang-facts §5).
     */
    readinessPath: "/health_generate" | "/health";
    /** Working directory of the image; the DeepSeek tool template lives under /sgl-workspace/sglang (§1.7). */
    toolChatTemplate: string;
    /** DP attention + MTP hangs before PR #6081 (sglang-facts §7.2 item 13). */
    dpAttentionWithMtp: boolean;
    /** MTP on cutlass_mla: "still under development" in 0.4.6.post5 (§1.3). */
    mtpOnCutlassMla: boolean;
    /** Attention backends that implement the chunked prefix cache for MLA (§2.3, §2.4). */
    chunkedPrefixCacheBackends: string[];
    /** Default MLA attention backend per GPU family (§2.3 / §2.4 `_get_default_attn_backend`). */
    defaultMlaBackend: { hopper: string; other: string; rocm: string };
    /** Which extracted flag set `flags` is (file name under sglang-flags/). */
    flagSetLabel: string;
}

const TOOL_TEMPLATE = "/sgl-workspace/sglang/examples/chat_template/tool_chat_template_deepseekv3.jinja"; // §1.7

export const RELEASES: Record<string, Release> = {
    "0.4.6.post5": {
        version: "0.4.6.post5",
        images: {
            cuda: "lmsysorg/sglang:v0.4.6.post5-cu124", // §1.7 release-docker.yml: v${version}-cu124
            rocm: "lmsysorg/sglang:v0.4.6.post5-rocm630", // §1.6 release-docker-amd.yml: v${version}-rocm630
        },
        flags: v046Flags.flags as FlagSpec[],
        envPrefix: "SGL_",
        readinessPath: "/health_generate",
        toolChatTemplate: TOOL_TEMPLATE,
        dpAttentionWithMtp: false,
        mtpOnCutlassMla: false,
        chunkedPrefixCacheBackends: ["fa3"], // §2.3: only the fa3 branch takes the MHA-chunked-KV path
        defaultMlaBackend: { hopper: "fa3", other: "triton", rocm: "triton" },
        flagSetLabel: "v0.4.6.post5",
    },
    "0.5.15": {
        version: "0.5.15",
        images: {
            cuda: "lmsysorg/sglang:v0.5.15-cu130", // §1.7 [LATEST] release-docker.yml: v{version} = -cu130
            rocm: "lmsysorg/sglang:v0.5.15-rocm720-mi30x", // §1.6 tag naming rocm720-mi30x for MI300X
        },
        // The newest flag set extracted is upstream main of 2026-07-20, newer than v0.5.15 (DESIGN.md).
        flags: latestFlags.flags as FlagSpec[],
        envPrefix: "SGLANG_",
        readinessPath: "/health",
        toolChatTemplate: TOOL_TEMPLATE,
        dpAttentionWithMtp: true,
        mtpOnCutlassMla: true,
        chunkedPrefixCacheBackends: ["flashinfer", "fa3", "fa4", "flashmla", "cutedsl_mla", "cutlass_mla", "trtllm_mla", "tokenspeed_mla"], // §2.4
        defaultMlaBackend: { hopper: "fa3", other: "triton", rocm: "aiter" },
        flagSetLabel: "main-2026-07-20",
    },
};

export const DEFAULT_RELEASE = "0.5.15";

/**
 * MLA attention backends DeepSeek can use and the GPUs they run on. The names are the explicit MLA
 * backends SGLang accepts (sglang-facts §2.3; §2.2 for the choices per release). The architectures
 * follow SGLang's own defaults and checks: fa3 is its MLA default on Hopper only, triton the default
 * elsewhere and on ROCm, aiter the ROCm default (§2.3, §2.4 `_get_default_attn_backend`); trtllm_mla
 * raises ValueError off Blackwell (§2.4). flashinfer, flashmla and cutlass_mla are the backends'
 * published hardware targets (FlashMLA: Hopper kernels; CUTLASS MLA: SM100, SGLang PR #5390 in §1.3),
 * not facts stated in shared/reference.
 */
export const MLA_BACKENDS: Record<string, { archs: string[]; releases: string[] }> = {
    //  backend      runs on                                   releases
    fa3:         { archs: ["sm90"],                            releases: ["0.4.6.post5", "0.5.15"] },
    flashinfer:  { archs: ["sm90", "sm80", "sm89"],            releases: ["0.4.6.post5", "0.5.15"] },
    triton:      { archs: ["sm90", "sm80", "sm89", "gfx942"],  releases: ["0.4.6.post5", "0.5.15"] },
    flashmla:    { archs: ["sm90"],                            releases: ["0.4.6.post5", "0.5.15"] },
    cutlass_mla: { archs: [],                                  releases: ["0.4.6.post5", "0.5.15"] }, // Blackwell only: no GPU of the table
    aiter:       { archs: ["gfx942"],                          releases: ["0.4.6.post5", "0.5.15"] },
    trtllm_mla:  { archs: [],                                  releases: ["0.5.15"] }, // Blackwell only: no GPU of the table
};
