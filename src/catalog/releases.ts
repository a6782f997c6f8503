// SGLang releases the library can target: image tags, flag set, env-var spelling and the rules that
// changed between them. Each fact cites sglang-facts.md.

import v046 from "./sglang-flags/v0.4.6.post5.json";
import v0515 from "./sglang-flags/v0.5.15.json";
import v0518 from "./sglang-flags/v0.5.18.json";
import v0523 from "./sglang-flags/v0.5.23.json";

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
    /** What a custom type function accepts, read from the release (e.g. --cuda-graph-config's keys per phase). */
    type_facts?: { allowed_keys?: Record<string, string[]> };
}

/**
 * Where a flag set came from: the release wheel on PyPI that `npm run sglang:flags -- <version>`
 * (tools/sglang-flags/sglang_wheel.py) ran SGLang's own `ServerArgs.add_cli_args` from.
 */
export interface FlagSetProvenance {
    release: string;
    wheel: string;
    sha256: string;
    pypi: string;
}

/** A container image of a release and the host it needs. */
export interface Image {
    tag: string;
    /** Oldest NVIDIA driver that runs the image's CUDA (CUDA 13: 580; CUDA 12.9: 575; CUDA 12.4: 550). */
    minNvidiaDriver?: number;
    /** ROCm user space inside the image (the host's amdgpu driver must support it). */
    rocm?: string;
}

export interface Release {
    version: string;
    /**
     * cuda: the image the plan uses on NVIDIA; cuda12: the CUDA 12 build for hosts whose driver is
     * older than 580, where the release has one; rocm: the MI300X (gfx942) build.
     */
    images: { cuda: Image; cuda12: Image | null; rocm: Image };
    flags: FlagSpec[];
    provenance: FlagSetProvenance;
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
    /**
     * How DP attention is spelled: `--enable-dp-attention --dp-size N` up to 0.5.2x, where 0.5.23
     * deprecates it for `--attn-dp-size N` (its `--dp-size` now counts whole model replicas).
     */
    dpAttentionStyle: "enable-dp-attention" | "attn-dp-size";
    /** DP attention + MTP hangs before PR #6081 (sglang-facts §7.2 item 13). */
    dpAttentionWithMtp: boolean;
    /** MTP on cutlass_mla: "still under development" in 0.4.6.post5 (§1.3). */
    mtpOnCutlassMla: boolean;
    /** Attention backends that implement the chunked prefix cache for MLA (§2.3, §2.4). */
    chunkedPrefixCacheBackends: string[];
    /** Default MLA attention backend per GPU family (§2.3 / §2.4 `_get_default_attn_backend`). */
    defaultMlaBackend: { hopper: string; other: string; rocm: string };
    /**
     * compile_deep_gemm accepts `--load-format dummy` and still compiles every kernel: it leaves the
     * load format alone, and the dummy loader builds the same quantized layers (process_weights_after_loading
     * and post_load_weights run), so the kernel shapes come from config.json and tp alone and the
     * precompile can run while the weights download (docs/sources.md, "DeepGEMM on dummy weights").
     * Absent: not established for this release, so the precompile waits for the weights.
     */
    deepgemmDummyLoad?: boolean;
}

const TOOL_TEMPLATE = "/sgl-workspace/sglang/examples/chat_template/tool_chat_template_deepseekv3.jinja"; // §1.7
const CUDA13 = 580; // CUDA 13.0 needs driver >= 580 (NVIDIA CUDA Toolkit release notes, table 3)
const CUDA129 = 575; // CUDA 12.9 needs driver >= 575 (same table)
const CUDA124 = 550; // CUDA 12.4 needs driver >= 550 (same table)
// Chunked prefix cache backends, CHUNKED_PREFIX_CACHE_SUPPORTED_ATTENTION_BACKENDS in each wheel:
// model_runner.py (0.5.15), server_args.py (0.5.18), arg_groups/choices.py (0.5.23).
const CPC_0515 = ["flashinfer", "fa3", "fa4", "flashmla", "cutedsl_mla", "cutlass_mla", "trtllm_mla", "tokenspeed_mla"];
const CPC_0523 = ["flashinfer", "fa3", "fa4", "flashmla", "cutedsl_mla", "trtllm_mla"];

function provenance(meta: { release: string; wheel: string; sha256: string; pypi: string }): FlagSetProvenance {
    return { release: meta.release, wheel: meta.wheel, sha256: meta.sha256, pypi: meta.pypi };
}

// Image tags: docs/sources.md "SGLang images" has the workflow files and install page behind each.
//  version         cuda (default)                       cuda12 (driver < 580)              rocm (MI300X)
export const RELEASES: Record<string, Release> = {
    "0.4.6.post5": {
        version: "0.4.6.post5",
        images: {
            cuda: { tag: "lmsysorg/sglang:v0.4.6.post5-cu124", minNvidiaDriver: CUDA124 }, // release-docker.yml at the tag: v${version}-cu124
            cuda12: null, // the cu124 image is already CUDA 12
            rocm: { tag: "lmsysorg/sglang:v0.4.6.post5-rocm630", rocm: "6.3.0" }, // release-docker-amd.yml at the tag: v${version}-rocm630
        },
        flags: v046.flags as FlagSpec[],
        provenance: provenance(v046.meta),
        envPrefix: "SGL_",
        readinessPath: "/health_generate",
        toolChatTemplate: TOOL_TEMPLATE,
        dpAttentionStyle: "enable-dp-attention",
        dpAttentionWithMtp: false,
        mtpOnCutlassMla: false,
        chunkedPrefixCacheBackends: ["fa3"], // §2.3: only the fa3 branch takes the MHA-chunked-KV path
        defaultMlaBackend: { hopper: "fa3", other: "triton", rocm: "triton" },
        deepgemmDummyLoad: true, // wheel: model_loader/loader.py DummyModelLoader, compile_deep_gemm.py
    },
    "0.5.15": {
        version: "0.5.15",
        images: {
            cuda: { tag: "lmsysorg/sglang:v0.5.15-cu130", minNvidiaDriver: CUDA13 }, // release-docker.yml: v{version} = -cu130
            cuda12: { tag: "lmsysorg/sglang:v0.5.15-cu129", minNvidiaDriver: CUDA129 }, // release-docker.yml: v{version}-cu129
            rocm: { tag: "lmsysorg/sglang:v0.5.15-rocm720-mi30x", rocm: "7.2.0" }, // release-docker-amd.yml: v{version}-rocm720-mi30x
        },
        flags: v0515.flags as FlagSpec[],
        provenance: provenance(v0515.meta),
        envPrefix: "SGLANG_",
        readinessPath: "/health",
        toolChatTemplate: TOOL_TEMPLATE,
        dpAttentionStyle: "enable-dp-attention",
        dpAttentionWithMtp: true,
        mtpOnCutlassMla: true,
        chunkedPrefixCacheBackends: CPC_0515,
        defaultMlaBackend: { hopper: "fa3", other: "triton", rocm: "aiter" },
        deepgemmDummyLoad: true, // wheel: model_loader/loader.py DummyModelLoader, compile_deep_gemm.py
    },
    "0.5.18": {
        version: "0.5.18",
        images: {
            cuda: { tag: "lmsysorg/sglang:v0.5.18-cu130", minNvidiaDriver: CUDA13 },
            cuda12: { tag: "lmsysorg/sglang:v0.5.18-cu129", minNvidiaDriver: CUDA129 },
            rocm: { tag: "lmsysorg/sglang:v0.5.18-rocm720-mi30x", rocm: "7.2.0" }, // release-docker-amd.yml at the v0.5.18 tag
        },
        flags: v0518.flags as FlagSpec[],
        provenance: provenance(v0518.meta),
        envPrefix: "SGLANG_",
        readinessPath: "/health",
        toolChatTemplate: TOOL_TEMPLATE,
        dpAttentionStyle: "enable-dp-attention",
        dpAttentionWithMtp: true,
        mtpOnCutlassMla: true,
        chunkedPrefixCacheBackends: CPC_0515,
        defaultMlaBackend: { hopper: "fa3", other: "triton", rocm: "aiter" },
        deepgemmDummyLoad: true, // wheel: model_loader/loader.py DummyModelLoader, compile_deep_gemm.py
    },
    "0.5.23": {
        version: "0.5.23",
        images: {
            cuda: { tag: "lmsysorg/sglang:v0.5.23-cu130", minNvidiaDriver: CUDA13 },
            cuda12: null, // install docs: v0.5.19-cu129 is the last CUDA 12 image
            rocm: { tag: "lmsysorg/sglang:v0.5.23-rocm10-mi30x", rocm: "10" }, // -rocm10-mi30x from 0.5.20 on (third-party pins; docs/sources.md)
        },
        flags: v0523.flags as FlagSpec[],
        provenance: provenance(v0523.meta),
        envPrefix: "SGLANG_",
        readinessPath: "/health",
        toolChatTemplate: TOOL_TEMPLATE,
        dpAttentionStyle: "attn-dp-size",
        dpAttentionWithMtp: true,
        mtpOnCutlassMla: true,
        chunkedPrefixCacheBackends: CPC_0523,
        defaultMlaBackend: { hopper: "fa3", other: "triton", rocm: "aiter" },
        deepgemmDummyLoad: true, // wheel: model_loader/loader.py DummyModelLoader, compile_deep_gemm.py
    },
};

/**
 * One name per server setting across releases: 0.4.6.post5 stores `--tp-size` under
 * `tensor_parallel_size`, later releases under `tp_size` (likewise dp, ep, pp). Rules and the
 * managed-flag table speak the later names; `canonicalDest` maps a release's dest onto them.
 */
const DEST_RENAMES: Record<string, string> = {
    tensor_parallel_size: "tp_size",
    data_parallel_size: "dp_size",
    expert_parallel_size: "ep_size",
    pipeline_parallel_size: "pp_size",
    cuda_graph_bs: "cuda_graph_bs_decode",
    cuda_graph_max_bs: "cuda_graph_max_bs_decode",
    stream_output: "incremental_streaming_output",
};

export function canonicalDest(dest: string): string {
    return DEST_RENAMES[dest] ?? dest;
}

/**
 * The default release is chosen, not "whatever is newest": 0.5.18 is the newest release whose flag
 * set is confirmed twice (its PyPI wheel's parser equals the one at the annotated v0.5.18 tag,
 * sglang-flags SOURCES.md), that still ships a CUDA 12 image for hosts with drivers older than 580
 * (0.5.23 is CUDA 13 only), and whose MI300X tag is read from the release workflow at its tag (the
 * 0.5.23 ROCm 10 tag is only known from third-party pins). 0.5.23 is offered for every row; pick it
 * with `sglang.version: "0.5.23"`.
 */
export const DEFAULT_RELEASE = "0.5.18";

/**
 * MLA attention backends DeepSeek can use and the GPUs they run on; a release offers a backend when
 * its `--attention-backend` choices name it. fa3 is SGLang's MLA default on Hopper only, triton the
 * default elsewhere and on ROCm, aiter the ROCm default (§2.3, §2.4 `_get_default_attn_backend`);
 * trtllm_mla raises ValueError off Blackwell (§2.4). flashinfer, flashmla and cutlass_mla are the
 * backends' published hardware targets (FlashMLA: Hopper kernels; CUTLASS MLA: SM100, SGLang PR
 * #5390 in §1.3), not facts stated in shared/reference.
 */
export const MLA_BACKENDS: Record<string, { archs: string[] }> = {
    //  backend      runs on
    fa3:         { archs: ["sm90"] },
    flashinfer:  { archs: ["sm90", "sm80", "sm89"] },
    triton:      { archs: ["sm90", "sm80", "sm89", "gfx942"] },
    flashmla:    { archs: ["sm90"] },
    cutlass_mla: { archs: [] }, // Blackwell only: no GPU of the table
    aiter:       { archs: ["gfx942"] },
    trtllm_mla:  { archs: [] }, // Blackwell only: no GPU of the table
};
