// spec -> ServingPlan. Pure: the same spec always gives the same plan, and a refusal lists every problem.

import {
    FABRICS,
    NCCL_LOG_CONTAINER_DIR,
    NCCL_LOG_ENV,
    GPUS,
    MOE_INTERMEDIATE_SIZE,
    RELEASES,
    DEFAULT_RELEASE,
    CHECKPOINTS,
    DOCUMENTED_SMALLER_SHAPES,
    PRICE_BASIS,
    REGION_NAMES,
    ROCE_GID_INDEX,
    rocmEnv,
    findCheckpoint,
    findRow,
    type CloudId,
    type FabricId,
    type Gpu,
    type GpuId,
    type InstanceType,
    type Checkpoint,
    type Release,
    type Row,
    type WeightsId,
} from "../catalog/index";
import { cloudAdapter } from "../clouds/registry";
import type { DeploymentSpec } from "../intent/parse";
import { parseSglangArgv } from "./argparse";
import { API_KEY_PLACEHOLDER, launchArgv, precompileArgv, type ArgvInputs } from "./argv";
import { gb, staticPoolRoom, weightsFit } from "./memory";
import { at } from "./paths";
import * as rules from "./rules";
import { blockQuantFits, checkServerArgs, serverArgsView, serverArgsWarnings } from "./server-rules";
import type { NodePlan, Placement, PlanResult, PlanWarning, Problem, ServingPlan } from "./types";

export const HTTP_PORT = 30000; // SGLang's default --port (sglang-facts §2.2)
export const DIST_INIT_PORT = 20000; // the seed's docker multi-node recipe (sglang-facts §1.1)
const GPUS_PER_NODE = 8; // every row is 8 GPUs per node

/** Where the boot pipeline keeps models and caches on the node, and where the container sees them. */
export const HOST_DATA_DIR = "/mnt/deepseek";
export const CONTAINER_MODELS_DIR = "/models";
export const CONTAINER_CACHE_DIR = "/cache";
/** NCCL's log on the host: under the pipeline's /run directory, so a reboot starts it empty. */
export const NCCL_LOG_HOST_DIR = "/run/dsboot/nccl";

export function plan(spec: DeploymentSpec): PlanResult {
    const c = spec.cluster;
    const gpu = GPUS[c.gpu as GpuId];
    const weights = c.weights as WeightsId;
    const cloud = c.cloud as CloudId;
    const s = c.sglang ?? {};
    const problems: Problem[] = [];

    problems.push(...rules.checkCloudBlocks(c));
    problems.push(...rules.checkGpuOffered(cloud, gpu));
    problems.push(...rules.checkWeightsOnGpu(weights, gpu));

    const release = RELEASES[s.version ?? DEFAULT_RELEASE];
    if (!release) problems.push({ path: at("sglang", "version"), reason: `unknown SGLang release "${s.version}"; the library knows ${Object.keys(RELEASES).join(", ")}` });

    const row = findRow(weights, gpu.id);
    const modelRepo = c.model ?? row?.defaultModel;
    const checkpoint = modelRepo ? findCheckpoint(modelRepo) : undefined;
    if (modelRepo && !checkpoint) {
        problems.push({ path: at("model"), reason: `unknown checkpoint "${modelRepo}"; the library knows the format and size of ${CHECKPOINTS.map((k) => k.repo).join(", ")}` });
    }
    if (checkpoint) problems.push(...rules.checkCheckpointFormat(checkpoint, weights));

    // The cloud decides the machine shape, checks its own block and places the nodes (src/clouds/).
    const adapter = cloudAdapter(cloud);
    const block = c[cloud];
    const instance = adapter.instanceType(block, gpu.id);
    const gpusPerNode = instance?.gpuCount ?? GPUS_PER_NODE;
    const nodes = c.nodes ?? row?.nodes ?? 1;
    const tp = nodes * gpusPerNode;
    const servedBytes = checkpoint ? (checkpoint.weights === "fp8" && weights === "bf16" ? bf16Bytes() : checkpoint.bytes) : 0;

    const servedFp8 = checkpoint?.quantization === "fp8" && weights === "fp8";
    // FP8 and block INT8 served as published keep their 128x128 blocks (an FP8 -> BF16 conversion drops them).
    const blockQuantized = checkpoint !== undefined && (servedFp8 || checkpoint.quantization === "blockwise_int8");
    const working = checkpoint ? workingNodeCounts(servedBytes, checkpoint.attentionHeads, blockQuantized, gpu, gpusPerNode) : [];
    let shapeOk = true;
    if (checkpoint) {
        const tpProblems = rules.checkTensorParallel(tp, checkpoint, MOE_INTERMEDIATE_SIZE, c.nodes !== undefined, working, gpusPerNode);
        problems.push(...tpProblems);
        const fit = weightsFit(servedBytes, gpu, nodes, gpusPerNode);
        const nodesPath = at(c.nodes !== undefined ? "nodes" : "gpu");
        if (!fit.fits) {
            problems.push({ path: nodesPath, reason: `${weights.toUpperCase()} weights (${gb(servedBytes)}) need ${gb(fit.bytesPerGpu)} per GPU on ${nodes} x ${gpusPerNode} ${gpu.id}, more than the ${gb(fit.budgetPerGpu)} a ${gpu.id} can give weights while keeping 15% for the KV cache; use at least ${validNodesAtLeast(fit.minNodes, gpusPerNode, checkpoint.attentionHeads)} nodes` });
        } else if (row && nodes < row.nodes && !DOCUMENTED_SMALLER_SHAPES.some((d) => d.row === row.id && d.gpu === gpu.id && d.nodes === nodes)) {
            // The table is SGLang's own statement of what serves; memory alone would pass some of these
            // (BF16 on 1 x 8 MI300X) with too little KV cache to be useful.
            problems.push({ path: nodesPath, reason: `SGLang's DeepSeek requirements table serves ${weights.toUpperCase()} on ${gpu.id} with ${row.nodes} x ${row.gpusPerNode} GPUs (row ${row.id}); ${nodes} node(s) leave too little memory for a KV cache; use ${row.nodes} nodes` });
        }
        shapeOk = tpProblems.length === 0 && fit.fits;
        if (fit.fits && s.memFractionStatic !== undefined) {
            const room = staticPoolRoom(s.memFractionStatic, fit.bytesPerGpu, gpu);
            if (!room.ok) {
                problems.push({ path: at("sglang", "memFractionStatic"), reason: `${s.memFractionStatic} of a ${gpu.id} is ${gb(s.memFractionStatic * gpu.memoryMiB * 1048576)} for weights and KV cache, and the weights take ${gb(fit.bytesPerGpu)} per GPU, leaving ${gb(Math.max(0, room.kvBytes))} for the KV cache; use at least ${room.leastFraction} or leave it unset (SGLang then sizes it)` });
            }
        }
    }

    // Stack keys are checked the same way on every cloud; the adapter's own word on a key already
    // reported here would be a second line for one problem.
    const keyProblems = checkStackKeys(cloud, adapter.stackKeys, spec.settings);
    problems.push(...keyProblems);
    const placementContext = { gpu: gpu.id, nodes, settings: spec.settings };
    problems.push(...adapter.check(block, placementContext).filter((p) => !keyProblems.some((k) => k.path === p.path)));
    // Placing needs a shape the GPU fits and a clean block; any refusal so far makes it moot.
    const placed = problems.length === 0 ? adapter.place(block, placementContext) : null;

    if (release) {
        const backend = rules.effectiveBackend(s.attentionBackend, gpu, release);
        problems.push(...rules.checkAttentionBackend(s.attentionBackend, gpu, release));
        problems.push(...rules.checkDpAttention(s.dpAttention, tp, release, s.mtp !== undefined));
        problems.push(...rules.checkMtp(s.mtp, backend, release));
        problems.push(...rules.checkChunkedPrefixCache(s.chunkedPrefixCache, backend, release));
        problems.push(...rules.checkDeepGemm(s.deepGemm, gpu, servedFp8, release));
        problems.push(...rules.checkChoice(s.reasoningParser, "--reasoning-parser", at("sglang", "reasoningParser"), release));
        problems.push(...rules.checkExtraArgs(s.extraArgs, release, checkpoint));
        if (checkpoint) {
            // SGLang's own cross-flag rules over rank 0's whole argv; a path that already has a
            // problem gets no second one (one accurate message per problem).
            const reported = new Set(problems.map((p) => p.path));
            const argv = rank0ArgvInputs({ spec, release, checkpoint, row, nodes, tp, weights });
            const view = serverArgsView(argv);
            const found = view.ok
                ? checkServerArgs(view.view, { gpu, nodes, gpusPerNode, checkpoint, blockQuantized: blockQuantized && shapeOk, fabric: fabricOf(instance), httpPort: HTTP_PORT, distInitPort: DIST_INIT_PORT, defaultBackend: backend, workingNodeCounts: working })
                : view.problems;
            problems.push(...found.filter((p) => !reported.has(p.path)));
        }
    }

    if (problems.length > 0 || !release || !checkpoint || !row || !placed || placed.addresses.length !== nodes) return { ok: false, problems: dedupe(problems) };

    const built = buildPlan({
        spec, gpu, weights, release, checkpoint, row, nodes, gpusPerNode, tp, instance, placement: placed.placement, addresses: placed.addresses,
        cloudEnv: adapter.nodeEnv?.(block, placed.placement) ?? {},
        cloudNotes: adapter.planNotes?.(placed.placement, { nodes, checkpointBytes: checkpoint.bytes, convertedBytes: checkpoint.weights === "fp8" && weights === "bf16" ? servedBytes : null }) ?? [],
        costPerHour: adapter.costPerHour(placed.placement, nodes), servedBytes, servedFp8,
    });
    const argvProblems = checkEmittedArgv(built, release, s.extraArgs?.length ?? 0);
    if (argvProblems.length > 0) return { ok: false, problems: argvProblems };
    return { ok: true, plan: built };
}

/** The stack keys the cloud reads outside the cluster block: set, and named the way this cloud names them. */
function checkStackKeys(cloud: CloudId, keys: { region: string | null; others: readonly string[] }, settings: Readonly<Record<string, string>>): Problem[] {
    if (cloud === "hosts") return [];
    const problems: Problem[] = [];
    const own = REGION_NAMES[cloud];
    if (keys.region) {
        const region = settings[keys.region];
        if (region === undefined) {
            problems.push({ path: keys.region, reason: `missing: set the ${own.what} in the stack file (${keys.region}: ${own.example}); instance types, prices and the boot pipeline's API calls depend on it` });
        } else if (!own.pattern.test(region)) {
            const other = (Object.keys(REGION_NAMES) as (keyof typeof REGION_NAMES)[]).find((c) => c !== cloud && REGION_NAMES[c].pattern.test(region));
            const a = (what: string) => `${/^[AEIOU]/.test(what) ? "an" : "a"} ${what}`;
            problems.push({ path: keys.region, reason: `"${region}" is ${other ? `${a(REGION_NAMES[other].what)} name` : "not a region name"}; this stack runs on ${cloud}, which needs ${a(own.what)} such as ${own.example}` });
        }
    }
    for (const key of keys.others) {
        const value = settings[key];
        if (value === undefined) problems.push({ path: key, reason: `missing: this cloud needs ${key} in the stack file` });
    }
    return problems;
}

/** What `plan` shows beside a plan it accepts (the warnings channel). */
function planWarnings(b: BuildInputs): PlanWarning[] {
    const c = b.spec.cluster;
    const out: PlanWarning[] = [];
    if (b.nodes > b.row.nodes) {
        const extra = b.costPerHour !== null ? `, about $${((b.costPerHour / b.nodes) * (b.nodes - b.row.nodes)).toFixed(2)}/h more` : "";
        out.push({ path: at("nodes"), message: `${b.nodes} nodes where SGLang's table serves ${b.weights.toUpperCase()} on ${b.gpu.id} with ${b.row.nodes} (row ${b.row.id})${extra}; more nodes raise tp-size, they do not add replicas` });
    }
    if (b.checkpoint.note) out.push({ path: at("model"), message: `${b.checkpoint.repo}: ${b.checkpoint.note}` });
    const view = serverArgsView(rank0ArgvInputs({ spec: b.spec, release: b.release, checkpoint: b.checkpoint, row: b.row, nodes: b.nodes, tp: b.tp, weights: b.weights }));
    if (view.ok) for (const message of serverArgsWarnings(view.view)) out.push({ path: at("sglang"), message });
    const cloud = c.cloud as CloudId;
    if (cloud !== "hosts" && b.costPerHour !== null) {
        const basis = PRICE_BASIS[cloud];
        const here = b.spec.region && b.spec.region !== basis.region ? `; this stack runs in ${b.spec.region}, where the price may differ` : "";
        out.push({ path: null, message: `costPerHour $${b.costPerHour.toFixed(2)}/h is the list price in ${basis.region} (${basis.source}), before spot, reservations, storage and egress${here}` });
    } else if (cloud !== "hosts") {
        out.push({ path: null, message: "costPerHour is unknown: no list price for this machine type could be sourced" });
    }
    for (const message of b.cloudNotes) out.push({ path: null, message });
    return out;
}

/** Node counts (up to 16) of this GPU shape on which the checkpoint shards evenly, fits in memory and, if block-quantized, keeps whole blocks. */
function workingNodeCounts(bytes: number, heads: number, blockQuantized: boolean, gpu: Gpu, gpusPerNode: number): number[] {
    const out: number[] = [];
    for (let n = 1; n <= 16; n++) {
        const tp = n * gpusPerNode;
        if (heads % tp !== 0 || MOE_INTERMEDIATE_SIZE % tp !== 0) continue;
        if (blockQuantized && !blockQuantFits(tp)) continue;
        if (!weightsFit(bytes, gpu, n, gpusPerNode).fits) continue;
        out.push(n);
    }
    return out;
}

/** Rank 0's argv inputs before placement (the address is a stand-in: no rule reads it). */
function rank0ArgvInputs(a: { spec: DeploymentSpec; release: Release; checkpoint: Checkpoint; row: Row | undefined; nodes: number; tp: number; weights: WeightsId }): ArgvInputs {
    const s = a.spec.cluster.sglang ?? {};
    return {
        release: a.release,
        checkpoint: a.checkpoint,
        modelPath: `${CONTAINER_MODELS_DIR}/model`,
        servedModelName: a.checkpoint.repo,
        tp: a.tp,
        nnodes: a.nodes,
        rank: 0,
        distInitAddr: `127.0.0.1:${DIST_INIT_PORT}`,
        httpPort: HTTP_PORT,
        attentionBackend: s.attentionBackend,
        torchCompileMaxBs: torchCompileMaxBsOf(s, a.row),
        sglang: s,
    };
}

function torchCompileMaxBsOf(s: NonNullable<DeploymentSpec["cluster"]["sglang"]>, row: Row | undefined): number | null {
    return s.torchCompile === false ? null : s.torchCompile?.maxBs ?? row?.torchCompileMaxBs ?? null;
}

/** Fewest nodes >= min whose tp-size divides the attention heads (so the advice is itself valid). */
function validNodesAtLeast(min: number, gpusPerNode: number, heads: number): number {
    let n = Math.max(1, min);
    while (heads % (n * gpusPerNode) !== 0 && n * gpusPerNode <= heads) n++;
    return n;
}

function dedupe(problems: Problem[]): Problem[] {
    const seen = new Set<string>();
    return problems.filter((p) => {
        const key = `${p.path}\u0000${p.reason}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

function bf16Bytes(): number {
    return findCheckpoint("unsloth/DeepSeek-R1-0528-BF16")!.bytes;
}

interface BuildInputs {
    spec: DeploymentSpec;
    gpu: Gpu;
    weights: WeightsId;
    release: Release;
    checkpoint: NonNullable<ReturnType<typeof findCheckpoint>>;
    row: NonNullable<ReturnType<typeof findRow>>;
    nodes: number;
    gpusPerNode: number;
    tp: number;
    instance: InstanceType | null;
    placement: Placement;
    addresses: string[];
    /** Container env the cloud adds (its adapter's nodeEnv). */
    cloudEnv: Record<string, string>;
    /** The cloud's own notes for the warnings channel (adapter.planNotes). */
    cloudNotes: string[];
    costPerHour: number | null;
    servedBytes: number;
    servedFp8: boolean;
}

function repoDirName(repo: string, revision: string): string {
    return `${repo.replace("/", "--")}${revision === "main" ? "" : `@${revision.replace(/\//g, "_")}`}`;
}

/** The instance type's fabric; existing hosts: whatever NCCL finds ("auto"). */
function fabricOf(instance: InstanceType | null): FabricId {
    return instance?.fabric ?? "auto";
}

function buildPlan(b: BuildInputs): ServingPlan {
    const c = b.spec.cluster;
    const s = c.sglang ?? {};
    const revision = c.revision ?? "main";
    const modelsHost = `${HOST_DATA_DIR}/models`;
    const cacheHost = `${HOST_DATA_DIR}/cache`;
    const downloadDir = repoDirName(b.checkpoint.repo, revision);
    const conversion = b.checkpoint.weights === "fp8" && b.weights === "bf16";
    const servedDir = conversion ? `${downloadDir}-BF16` : downloadDir;
    const torchCompileMaxBs = torchCompileMaxBsOf(s, b.row);
    const precompile = b.servedFp8 && b.gpu.vendor === "nvidia" && b.gpu.hopper && s.deepGemm !== false;
    const fabric = fabricOf(b.instance);
    // One node talks over NVLink: the fabric's plugin, env and NCCL log matter only across nodes.
    const multiNode = b.nodes > 1;
    const distInitAddr = `${b.addresses[0]}:${DIST_INIT_PORT}`;
    const keyTail = `${b.checkpoint.repo.replace("/", "--")}@${revision}-tp${b.tp}-nn${b.nodes}-${b.gpu.id}`.replace(/[^A-Za-z0-9._@-]/g, "_");

    const argvFor = (rank: number): ArgvInputs => ({
        release: b.release,
        checkpoint: b.checkpoint,
        modelPath: `${CONTAINER_MODELS_DIR}/${servedDir}`,
        servedModelName: b.checkpoint.repo,
        tp: b.tp,
        nnodes: b.nodes,
        rank,
        distInitAddr,
        httpPort: HTTP_PORT,
        attentionBackend: s.attentionBackend,
        torchCompileMaxBs,
        sglang: s,
    });

    const nodes: NodePlan[] = b.addresses.map((address, rank) => ({
        rank,
        address,
        launch: launchArgv(argvFor(rank)),
        precompile: precompile ? precompileArgv(argvFor(rank)) : null,
        env: nodeEnv({ release: b.release, vendor: b.gpu.vendor, address, fabric, multiNode, cloudEnv: b.cloudEnv, deepGemmOff: s.deepGemm === false, torchCompile: torchCompileMaxBs !== null }),
    }));

    const mounts: Record<string, string> = {
        [modelsHost]: CONTAINER_MODELS_DIR, [cacheHost]: CONTAINER_CACHE_DIR,
        ...(multiNode ? { ...FABRICS[fabric].mounts, [NCCL_LOG_HOST_DIR]: NCCL_LOG_CONTAINER_DIR } : {}),
    };
    const nccl = FABRICS[fabric].nccl;
    const transport = multiNode
        ? { network: nccl?.network ?? null, provider: nccl?.provider ?? null, netPlugin: FABRICS[fabric].netPlugin, logHostDir: NCCL_LOG_HOST_DIR }
        : null;

    return {
        stack: b.spec.stack,
        cloud: c.cloud as CloudId,
        region: b.spec.region,
        row: { id: b.row.id, weights: b.weights, gpu: b.gpu.id, nodes: b.nodes, gpusPerNode: b.gpusPerNode },
        gpu: { id: b.gpu.id, vendor: b.gpu.vendor, arch: b.gpu.arch, memoryMiB: b.gpu.memoryMiB },
        model: { path: b.checkpoint.repo, checkpointQuantization: b.checkpoint.quantization },
        weights: {
            sourceRepo: b.checkpoint.repo,
            revision,
            checkpointQuantization: b.checkpoint.quantization,
            bytes: b.checkpoint.bytes,
            hostDir: `${modelsHost}/${downloadDir}`,
            containerDir: `${CONTAINER_MODELS_DIR}/${servedDir}`,
            conversion: conversion ? { from: "fp8", to: "bf16", outputHostDir: `${modelsHost}/${servedDir}`, outputBytes: b.servedBytes } : null,
        },
        sglang: {
            version: b.release.version,
            image: (b.gpu.vendor === "amd" ? b.release.images.rocm : b.release.images.cuda).tag,
            minNvidiaDriver: b.gpu.vendor === "amd" ? null : b.release.images.cuda.minNvidiaDriver ?? null,
            envPrefix: b.release.envPrefix,
            readinessPath: b.release.readinessPath,
        },
        parallel: { tp: b.tp, dp: s.dpAttention ?? null, ep: null, nnodes: b.nodes },
        ports: { http: HTTP_PORT, distInit: DIST_INIT_PORT },
        fabric,
        placement: b.placement,
        apiKeyPlaceholder: API_KEY_PLACEHOLDER,
        nodes,
        deepgemm: {
            precompile,
            launch: precompile ? nodes[0]!.precompile : null,
            cacheKey: precompile ? `deepgemm-sglang${b.release.version}-${keyTail}` : null,
            beforeWeights: precompile && b.release.deepgemmDummyLoad === true,
            hostCacheDir: `${cacheHost}/deep_gemm`,
        },
        torchCompile: {
            enabled: torchCompileMaxBs !== null,
            hostCacheDir: `${cacheHost}/torchinductor`,
            cacheKey: torchCompileMaxBs !== null ? `torchcompile-sglang${b.release.version}-${keyTail}-bs${torchCompileMaxBs}` : null,
        },
        mounts,
        transport,
        costPerHour: b.costPerHour,
        warnings: planWarnings(b),
    };
}

interface EnvInputs {
    release: Release;
    vendor: "nvidia" | "amd";
    address: string;
    fabric: FabricId;
    multiNode: boolean;
    /** Env the cloud adds, e.g. an existing host's own RoCE GID index; wins over the fabric's. */
    cloudEnv: Record<string, string>;
    deepGemmOff: boolean;
    torchCompile: boolean;
}

/** Container env of one node. Never a secret: the API key and HF token are read at boot. */
export function nodeEnv(e: EnvInputs): Record<string, string> {
    const p = e.release.envPrefix;
    const env: Record<string, string> = {
        // Weights are staged and verified before start; the server must never fetch half a model itself.
        HF_HUB_OFFLINE: "1",
        // Multi-NIC hosts may advertise the wrong IP to the cross-node broadcaster (sglang-facts §7.1).
        SGLANG_HOST_IP: e.address,
        // SGLang overwrites DG_JIT_CACHE_DIR from this one (sglang-facts §3).
        [`${p}DG_CACHE_DIR`]: `${CONTAINER_CACHE_DIR}/deep_gemm`,
        ...(e.multiNode ? { ...FABRICS[e.fabric].env, ...NCCL_LOG_ENV } : {}),
    };
    if (e.deepGemmOff) env[`${p}ENABLE_JIT_DEEPGEMM`] = "0";
    if (e.torchCompile) {
        env.TORCHINDUCTOR_CACHE_DIR = `${CONTAINER_CACHE_DIR}/torchinductor`; // sglang-facts §4
        if (p === "SGLANG_") env.SGLANG_CACHE_DIR = `${CONTAINER_CACHE_DIR}/sglang`; // newer piecewise compile cache root (§4)
    }
    if (e.vendor === "amd") Object.assign(env, rocmEnv(e.release.version)); // catalog/rocm.ts
    if (e.fabric === "roce") env.NCCL_IB_GID_INDEX = String(ROCE_GID_INDEX);
    return { ...env, ...e.cloudEnv };
}

/** Belt and braces: every argv the plan emits must parse with the release's own flag set. */
function checkEmittedArgv(p: ServingPlan, release: Release, extraCount: number): Problem[] {
    const problems: Problem[] = [];
    for (const node of p.nodes) {
        const argvs: [string[], "launch_server" | "compile_deep_gemm"][] = [[node.launch, "launch_server"]];
        if (node.precompile) argvs.push([node.precompile, "compile_deep_gemm"]);
        for (const [argv, entry] of argvs) {
            const parsed = parseSglangArgv(argv, release.flags, { entry });
            if (parsed.ok) continue;
            const extraStart = argv.length - extraCount - (entry === "launch_server" && node.rank === 0 ? 2 : 0);
            for (const pr of parsed.problems) {
                const inExtra = extraCount > 0 && pr.index >= extraStart && pr.index < extraStart + extraCount;
                problems.push({
                    path: inExtra ? at("sglang", "extraArgs", pr.index - extraStart) : at("sglang"),
                    reason: inExtra ? `${pr.token}: ${pr.reason}` : `library bug: emitted ${pr.token} that SGLang ${release.version} rejects: ${pr.reason}`,
                });
            }
        }
    }
    return dedupe(problems);
}
