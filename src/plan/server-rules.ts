// SGLang's own cross-flag rules, applied to the whole server argv of rank 0 (typed settings and
// extraArgs alike): what the release's ServerArgs post-init / check_server_args would refuse at start,
// or would silently override, refused here before a GPU is billed. Each rule names the release code
// it follows; docs/sources.md has the files. Pure.

import { DENSE_INTERMEDIATE_SIZE, canonicalDest, MLA_BACKENDS, MOE_INTERMEDIATE_SIZE, QUANT_BLOCK, type Checkpoint, type FabricId, type Gpu, type Release } from "../catalog/index";
import { parseSglangArgv } from "./argparse";
import { LAUNCH_SERVER, serverFlags, type ArgvInputs } from "./argv";
import { at } from "./paths";
import type { Problem } from "./types";

/** The typed setting that emits a dest, for the config path of a problem it causes. */
const SETTING_OF_DEST: Record<string, (string | number)[]> = {
    tp_size: ["nodes"],
    nnodes: ["nodes"],
    attention_backend: ["sglang", "attentionBackend"],
    enable_dp_attention: ["sglang", "dpAttention"],
    dp_size: ["sglang", "dpAttention"],
    attn_dp_size: ["sglang", "dpAttention"],
    speculative_algorithm: ["sglang", "mtp"],
    speculative_num_steps: ["sglang", "mtp", "steps"],
    speculative_eagle_topk: ["sglang", "mtp", "topk"],
    speculative_num_draft_tokens: ["sglang", "mtp", "draftTokens"],
    enable_torch_compile: ["sglang", "torchCompile"],
    torch_compile_max_bs: ["sglang", "torchCompile", "maxBs"],
    mem_fraction_static: ["sglang", "memFractionStatic"],
    quantization: ["model"],
    model_path: ["model"],
};

/** Rank 0's server arguments as SGLang reads them, and which setting put each one there. */
export interface ServerArgsView {
    release: Release;
    /** The value the argv sets, else the release's default for the dest. */
    get(dest: string): unknown;
    /** Whether the argv sets the dest at all. */
    set(dest: string): boolean;
    /** Config path of the setting behind the dest: its extraArgs entry, else the typed setting. */
    path(dest: string): string;
}

/**
 * Builds the view from rank 0's flags, or the parse problems, each on the extraArgs entry it concerns
 * (a problem outside extraArgs is a library bug and says so).
 */
export function serverArgsView(inputs: ArgvInputs): { ok: true; view: ServerArgsView } | { ok: false; problems: Problem[] } {
    const flags = serverFlags(inputs);
    const extraCount = inputs.sglang.extraArgs?.length ?? 0;
    const extraStart = LAUNCH_SERVER.length + flags.length - extraCount;
    const parsed = parseSglangArgv([...LAUNCH_SERVER, ...flags], inputs.release.flags);
    if (!parsed.ok) {
        return {
            ok: false,
            problems: parsed.problems.map((pr) =>
                pr.index >= extraStart
                    ? { path: at("sglang", "extraArgs", pr.index - extraStart), reason: `${pr.token}: ${pr.reason}` }
                    : { path: at("sglang"), reason: `library bug: emitted ${pr.token} that SGLang ${inputs.release.version} rejects: ${pr.reason}` },
            ),
        };
    }
    const values = Object.fromEntries(Object.entries(parsed.parsed.values).map(([d, v]) => [canonicalDest(d), v]));
    const indexOf = new Map(parsed.parsed.seen.map((s) => [canonicalDest(s.flag.dest), s.index] as const));
    const defaults = new Map(inputs.release.flags.map((f) => [canonicalDest(f.dest), f.default] as const));
    const view: ServerArgsView = {
        release: inputs.release,
        get: (dest) => (dest in values ? values[dest] : defaults.get(dest)),
        set: (dest) => dest in values,
        path(dest) {
            const i = indexOf.get(dest);
            if (i !== undefined && i >= extraStart) return at("sglang", "extraArgs", i - extraStart);
            return at(...(SETTING_OF_DEST[dest] ?? ["sglang"]));
        },
    };
    return { ok: true, view };
}

/** What the rules need to know about the cluster besides the argv. */
export interface ClusterFacts {
    gpu: Gpu;
    nodes: number;
    gpusPerNode: number;
    checkpoint: Checkpoint;
    /** The checkpoint is served with its block-quantized weights (FP8, block INT8), not converted. */
    blockQuantized: boolean;
    fabric: FabricId;
    httpPort: number;
    distInitPort: number;
    /** The MLA backend SGLang will use when the argv names none. */
    defaultBackend: string;
    /** Node counts of this GPU shape on which the checkpoint works (tp, block size and memory). */
    workingNodeCounts: number[];
}

type Rule = (v: ServerArgsView, f: ClusterFacts) => Problem[];

const num = (x: unknown): number => (typeof x === "number" ? x : Number(x ?? NaN));
const on = (v: ServerArgsView, dest: string): boolean => v.get(dest) === true;
const problem = (path: string, reason: string): Problem[] => [{ path, reason }];
const nodesText = (counts: number[], perNode: number): string =>
    counts.length === 0 ? "no node count of this GPU works" : `use ${counts.map((n) => `${n}`).join(" or ")} node(s) of ${perNode} GPUs (tp ${counts.map((n) => n * perNode).join(" or ")})`;

function speculative(v: ServerArgsView): boolean {
    return v.get("speculative_algorithm") !== null && v.get("speculative_algorithm") !== undefined;
}

function dpAttention(v: ServerArgsView): boolean {
    return on(v, "enable_dp_attention") || num(v.get("attn_dp_size")) > 1;
}

/** The backend for a phase: its own flag, else --attention-backend, else SGLang's default. */
function backendOf(v: ServerArgsView, f: ClusterFacts, phase: "decode" | "prefill"): { backend: string; dest: string } {
    for (const dest of [`${phase}_attention_backend`, "attention_backend"]) {
        const b = v.get(dest);
        if (typeof b === "string") return { backend: b, dest };
    }
    return { backend: f.defaultBackend, dest: "attention_backend" };
}

// MLA backends that snap the KV page size (0.4.6.post5 model_runner; 0.5.x _mla_backend_page_constraints).
const FORCED_PAGE_SIZE: Record<string, number> = { flashmla: 64, cutlass_mla: 128, trtllm_mla: 64, cutedsl_mla: 64, tokenspeed_mla: 64 };
// 0.5.x speculative_hook: topk > 1 with page_size > 1 runs only on these backends (ValueError otherwise).
const TOPK_PAGED_BACKENDS = ["flashinfer", "fa3", "triton"];

const rules: Rule[] = [
    // check_server_args: "enable_mixed_chunk is required for speculative decoding" (the assert refuses it).
    (v) => (speculative(v) && on(v, "enable_mixed_chunk") ? problem(v.path("enable_mixed_chunk"), "SGLang refuses --enable-mixed-chunk with speculative decoding (MTP); drop one of them") : []),

    // Page size and topk: 0.4.6.post5 silently sets topk to 1 when page_size > 1; 0.5.x raises
    // ValueError unless the backend is flashinfer, fa3 or triton.
    (v, f) => {
        if (!speculative(v) || num(v.get("speculative_eagle_topk")) <= 1) return [];
        const { backend } = backendOf(v, f, "decode");
        const page = FORCED_PAGE_SIZE[backend] ?? (num(v.get("page_size")) || 1);
        if (page <= 1) return [];
        const path = v.set("page_size") ? v.path("page_size") : v.path("speculative_eagle_topk");
        if (v.release.version === "0.4.6.post5") return problem(path, `SGLang ${v.release.version} resets MTP topk to 1 when the page size is ${page} > 1; use topk 1 or page size 1`);
        if (!TOPK_PAGED_BACKENDS.includes(backend)) return problem(path, `MTP topk > 1 with page size ${page} runs only on ${TOPK_PAGED_BACKENDS.join(", ")} in SGLang ${v.release.version}; the attention backend here is ${backend}`);
        return [];
    },

    // --enable-dp-lm-head shards the vocabulary across the attention DP groups: it needs DP attention
    // (0.4.6.post5 asserts it; 0.5.x resets it off when dp is 1).
    (v) => (on(v, "enable_dp_lm_head") && !dpAttention(v) ? problem(v.path("enable_dp_lm_head"), "--enable-dp-lm-head needs DP attention; set sglang.dpAttention or drop the flag") : []),

    // Prefill and decode backends named on their own must run on the GPU too.
    (v, f) => {
        const out: Problem[] = [];
        for (const dest of ["prefill_attention_backend", "decode_attention_backend"]) {
            const b = v.get(dest);
            if (typeof b !== "string") continue;
            const mla = MLA_BACKENDS[b];
            if (!mla) out.push({ path: v.path(dest), reason: `"${b}" is not an MLA backend DeepSeek can use; MLA backends: ${Object.keys(MLA_BACKENDS).join(", ")}` });
            else if (!mla.archs.includes(f.gpu.arch)) out.push({ path: v.path(dest), reason: `${b} does not run on ${f.gpu.id} (${f.gpu.arch}); it runs on ${mla.archs.length > 0 ? mla.archs.join(", ") : "Blackwell only"}` });
        }
        return out;
    },

    // Pipeline parallel: tp-size already spans every GPU of the cluster, so each extra stage needs
    // GPUs it lacks; check_server_args also refuses PP with speculative decoding.
    (v, f) => {
        const pp = num(v.get("pp_size"));
        if (!(pp > 1)) return [];
        const gpus = f.nodes * f.gpusPerNode;
        const out = problem(v.path("pp_size"), `--pp-size ${pp} needs tp-size x pp-size = ${num(v.get("tp_size")) * pp} GPUs; the cluster has ${gpus} and tp-size is all of them (the library sets tp-size to every GPU)`);
        if (speculative(v)) out.push({ path: v.path("pp_size"), reason: "SGLang refuses pipeline parallelism with speculative decoding (MTP)" });
        return out;
    },

    // Expert parallel: ep_size * moe_dp_size <= tp_size and must divide it (0.5.x asserts).
    (v) => {
        const ep = num(v.get("ep_size"));
        const tp = num(v.get("tp_size"));
        if (!(ep > 1) || (ep <= tp && tp % ep === 0)) return [];
        return problem(v.path("ep_size"), `--ep-size ${ep} must divide tp-size ${tp} (SGLang asserts ep_size <= tp_size)`);
    },

    // moe_dense_tp_size: 0.4.6.post5 accepts only 1 (or unset); 0.5.x also tp_size.
    (v) => {
        const d = v.get("moe_dense_tp_size");
        if (d === null || d === undefined) return [];
        const allowed = v.release.version === "0.4.6.post5" ? [1] : [1, num(v.get("tp_size"))];
        return allowed.includes(num(d)) ? [] : problem(v.path("moe_dense_tp_size"), `SGLang ${v.release.version} accepts --moe-dense-tp-size only ${allowed.join(" or ")}`);
    },

    // DeepEP: not over EFA without an EFA-enabled build (sglang-facts §7.2 item 17); 0.4.6.post5
    // asserts deepep_mode != auto with DP attention.
    (v, f) => {
        const deepep = v.get("moe_a2a_backend") === "deepep" || on(v, "enable_deepep_moe");
        if (!deepep) return [];
        const dest = v.set("moe_a2a_backend") ? "moe_a2a_backend" : "enable_deepep_moe";
        const out: Problem[] = [];
        if (f.fabric === "efa") out.push({ path: v.path(dest), reason: "DeepEP does not run over EFA (it needs NVSHMEM IBGDA, which EFA lacks: deepseek-ai/DeepEP#369); drop it on AWS" });
        if (v.release.version === "0.4.6.post5" && dpAttention(v) && v.get("deepep_mode") === "auto") {
            out.push({ path: v.path(v.set("deepep_mode") ? "deepep_mode" : dest), reason: "SGLang 0.4.6.post5 refuses --deepep-mode auto with DP attention; set --deepep-mode normal or low_latency" });
        }
        if (v.get("deepep_mode") === "normal" && on(v, "enable_torch_compile")) {
            out.push({ path: v.path("deepep_mode"), reason: "--deepep-mode normal turns CUDA graphs off, and torch.compile runs inside CUDA-graph capture; use low_latency or turn torch.compile off" });
        }
        return out;
    },

    // Shared-experts fusion: 0.4.6.post5 asserts n_share_experts_fusion == tp_size when set; 0.5.x
    // has --disable-shared-experts-fusion and --enforce-shared-experts-fusion, which contradict.
    (v) => {
        const n = v.get("n_share_experts_fusion");
        const tp = num(v.get("tp_size"));
        if (v.set("n_share_experts_fusion") && num(n) !== 0 && num(n) !== tp) {
            return problem(v.path("n_share_experts_fusion"), `SGLang asserts --n-share-experts-fusion equals tp-size (${tp}) when set; got ${String(n)}`);
        }
        if (on(v, "disable_shared_experts_fusion") && on(v, "enforce_shared_experts_fusion")) {
            return problem(v.path("enforce_shared_experts_fusion"), "--enforce-shared-experts-fusion and --disable-shared-experts-fusion contradict each other; keep one");
        }
        return [];
    },

    // Ports: none may take the HTTP port, the dist-init port, or (multi-node) the ZMQ ports SGLang
    // opens right above it on rank 0 (sglang-facts §7.1); check_server_args refuses grpc == port.
    (v, f) => {
        const taken = new Map<number, string>([[f.httpPort, "the HTTP API port"], [f.distInitPort, "the dist-init port"]]);
        if (f.nodes > 1) for (let k = 1; k <= 6; k++) taken.set(f.distInitPort + k, `a port SGLang opens above the dist-init port (${f.distInitPort}+${k})`);
        const out: Problem[] = [];
        for (const flag of v.release.flags) {
            const dest = canonicalDest(flag.dest);
            if (!dest.endsWith("_port") || dest === "port" || !v.set(dest)) continue;
            const p = num(v.get(dest));
            const what = taken.get(p);
            if (what) out.push({ path: v.path(dest), reason: `${flag.flag} ${p} is ${what}; pick another port` });
            else if (!(p >= 1 && p <= 65535)) out.push({ path: v.path(dest), reason: `${flag.flag} ${p} is not a TCP port (1-65535)` });
        }
        return out;
    },

    // CUDA graphs and torch.compile: SGLang compiles inside CUDA-graph capture (--torch-compile-max-bs
    // picks the captured batch sizes to compile), and 0.5.x asserts --disable-cuda-graph-padding off
    // with torch.compile.
    (v) => {
        if (!on(v, "enable_torch_compile")) return [];
        const out: Problem[] = [];
        if (on(v, "disable_cuda_graph_padding") && v.release.version !== "0.4.6.post5") {
            out.push({ path: v.path("disable_cuda_graph_padding"), reason: `SGLang ${v.release.version} refuses --disable-cuda-graph-padding with torch.compile (every batch size would be compiled); drop it or set sglang.torchCompile: false` });
        }
        const disabled = ["disable_cuda_graph", "cuda_graph_backend_decode"].find((d) => (d === "disable_cuda_graph" ? on(v, d) : v.get(d) === "disabled"));
        if (disabled) out.push({ path: v.path(disabled), reason: "CUDA graphs are off, and torch.compile runs only inside CUDA-graph capture, so it would do nothing; keep CUDA graphs or set sglang.torchCompile: false" });
        return out;
    },

    // Block-quantized weights (FP8, block INT8, 128x128 blocks): each rank's MoE and dense output
    // sizes must be whole blocks (fp8.py "not divisible by weight quantization block_n").
    (v, f) => {
        if (!f.blockQuantized) return [];
        const tp = num(v.get("tp_size"));
        const ep = Math.max(1, num(v.get("ep_size")) || 1);
        const denseTp = num(v.get("moe_dense_tp_size")) === 1 ? 1 : tp;
        if (blockQuantFits(tp, ep, denseTp)) return [];
        const moeShard = MOE_INTERMEDIATE_SIZE / (tp / ep);
        const denseShard = DENSE_INTERMEDIATE_SIZE / denseTp;
        return problem(v.path("tp_size"), `${f.checkpoint.repo} is block-quantized (${QUANT_BLOCK}x${QUANT_BLOCK}): each GPU's share of the MoE (${MOE_INTERMEDIATE_SIZE} / ${tp / ep} = ${moeShard}) and dense (${DENSE_INTERMEDIATE_SIZE} / ${denseTp} = ${denseShard}) layers must be a multiple of ${QUANT_BLOCK}, and tp ${tp} breaks that; ${nodesText(f.workingNodeCounts, f.gpusPerNode)}`);
    },
];

/** Block-quantized weights shard into whole blocks at this tp (ep: expert parallel; denseTp: tp of the dense layers). */
export function blockQuantFits(tp: number, ep = 1, denseTp = tp): boolean {
    const whole = (size: number, parts: number) => Number.isInteger(size / parts) && (size / parts) % QUANT_BLOCK === 0;
    return whole(MOE_INTERMEDIATE_SIZE, tp / ep) && whole(DENSE_INTERMEDIATE_SIZE, denseTp);
}

/** Every SGLang cross-flag problem of rank 0's argv. */
export function checkServerArgs(view: ServerArgsView, facts: ClusterFacts): Problem[] {
    return rules.flatMap((rule) => rule(view, facts));
}

/** Legal but probably unintended: SGLang overrides something silently. */
export function serverArgsWarnings(view: ServerArgsView): string[] {
    const out: string[] = [];
    if (speculative(view) && !view.set("max_running_requests")) {
        out.push("MTP: SGLang caps concurrent requests at 48 for speculative decoding unless sglang.extraArgs sets --max-running-requests");
    }
    if (view.get("deepep_mode") === "normal") out.push("--deepep-mode normal turns CUDA graphs off (SGLang's DeepEP setup)");
    return out;
}
