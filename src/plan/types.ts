// The ServingPlan: everything decided about one deployment before any cloud resource exists.
// Pure data; produced by plan(), consumed by boot/ (user data) and clouds/ (resources).

import type { CloudId, GpuId, WeightsId } from "../catalog/index";

/** One problem with the user's configuration, tied to the config path it concerns. */
export interface Problem {
    /** Dotted path inside the stack config, e.g. `deepseek-sglang:cluster.sglang.dpAttention`. */
    path: string;
    reason: string;
}

/** How a node stages its model weights before the server may start. */
export interface WeightsPlan {
    /** Hugging Face repo the bytes come from. */
    sourceRepo: string;
    /** Git revision of that repo (`main` unless pinned). */
    revision: string;
    /** Quantization of the checkpoint as published (`fp8`, `awq`, ...); null for plain BF16. */
    checkpointQuantization: string | null;
    /** Approximate bytes on disk of the published checkpoint. */
    bytes: number;
    /** Directory on the host where the verified weights live (mounted into the container at `containerDir`). */
    hostDir: string;
    /** The same directory as the server sees it inside the container; this is `--model-path`. */
    containerDir: string;
    /**
     * FP8 -> BF16 conversion to run once after the download verifies (SGLang issue #3491: the converted
     * config must drop `quantization_config`). Null when the checkpoint is served as published.
     */
    conversion: { from: "fp8"; to: "bf16"; outputHostDir: string; outputBytes: number } | null;
}

/** Fabric the nodes talk over; decides the NCCL/Gloo environment and the container's devices. */
export type { FabricId as Fabric } from "../catalog/index";
import type { FabricId } from "../catalog/index";

/** Legal but probably unintended, or a fact the user should know before paying: shown by `plan`, never a refusal. */
export interface PlanWarning {
    /** Config path it concerns, or null for the plan as a whole (the price basis). */
    path: string | null;
    message: string;
}

export interface NodePlan {
    rank: number;
    /** Private IPv4 address, known before the node exists. */
    address: string;
    /** argv inside the container: `["python3","-m","sglang.launch_server", ...]`. */
    launch: string[];
    /** DeepGEMM precompile argv for this rank (same arguments as the server), or null. */
    precompile: string[] | null;
    /** Environment of the server container. Never holds a secret. */
    env: Record<string, string>;
}

/**
 * The cloud's decisions about where the nodes run, made at plan time by its adapter
 * (src/clouds/<cloud>/). The rank addresses are the nodes' (`ServingPlan.nodes[].address`).
 */
export interface Placement {
    /** Machine shape per node (EC2 type, GCP machine type, Azure size), null on existing hosts. */
    instanceType: string | null;
    /** Zone the nodes must land in; null when the component picks one offering the type at deploy time. */
    zone: string | null;
    network: {
        /** The user's existing network (VPC id, VPC network name), null when the library creates one. */
        id: string | null;
        /** The user's existing subnet, null when the library creates it. */
        subnetId: string | null;
        /** CIDR of the cluster subnet the rank addresses come from; null on hosts. */
        subnetCidr: string | null;
        /** CIDR of the whole network when known at plan time (the library's or the user's). */
        cidr: string | null;
    };
    /** CIDRs besides the cluster's own network that may reach the API port. */
    allowedCidrs: string[];
    capacity: {
        /** `on-demand`, `spot`, or the cloud's reserved kinds (`reservation`, `capacity-block`, `flex-start` ...). */
        type: string;
        /** Reservation the nodes consume, when the type needs one. */
        reservation: string | null;
    };
    /** The cloud's checked config block; only clouds/<cloud>/ reads it. */
    settings: Record<string, unknown>;
}

export interface ServingPlan {
    /** Stack name when planned from `stacks/`, else null. */
    stack: string | null;
    cloud: CloudId;
    /** AWS region, GCP region or Azure location the stack targets, when the cloud has one. */
    region: string | null;
    row: { id: string; weights: WeightsId; gpu: GpuId; nodes: number; gpusPerNode: number };
    gpu: { id: GpuId; vendor: "nvidia" | "amd"; arch: string; memoryMiB: number };
    model: {
        /** Repo id clients name in requests (`--served-model-name`). */
        path: string;
        checkpointQuantization: string | null;
    };
    weights: WeightsPlan;
    sglang: {
        version: string;
        image: string;
        /** Oldest NVIDIA driver the image's CUDA runs on (null on AMD). */
        minNvidiaDriver: number | null;
        /** Prefix of SGLang's own environment variables in this release (`SGL_` or `SGLANG_`). */
        envPrefix: "SGL_" | "SGLANG_";
        /** Endpoint that answers 200 only after a real generation succeeded. */
        readinessPath: string;
    };
    parallel: { tp: number; dp: number | null; ep: number | null; nnodes: number };
    ports: { http: number; distInit: number };
    fabric: FabricId;
    /** Where and on what the nodes run, resolved by the cloud's adapter; a component never re-decides it. */
    placement: Placement;
    /** Placeholder in `launch` that the boot pipeline replaces with the API key read from the secret store. */
    apiKeyPlaceholder: string;
    nodes: NodePlan[];
    deepgemm: {
        precompile: boolean;
        /** Rank 0's precompile argv. */
        launch: string[] | null;
        /** Cache key: release, model revision, tp/nnodes, GPU. Null when precompile is off. */
        cacheKey: string | null;
        /** The precompile loads dummy weights, so it runs beside the download instead of after it. */
        beforeWeights: boolean;
        /** Directory of the cache on the host. */
        hostCacheDir: string;
    };
    torchCompile: { enabled: boolean; hostCacheDir: string; cacheKey: string | null };
    /** Host directories the container mounts (host path -> container path). */
    mounts: Record<string, string>;
    /**
     * Multi-node only (null on one node): the transport NCCL must pick on this fabric (null network:
     * only recorded), the host paths where its net plugin may be, and the host directory of NCCL's log,
     * which readiness reads before it reports `serving`.
     */
    transport: { network: string | null; provider: string | null; netPlugin: string[]; logHostDir: string } | null;
    /** On-demand list price of the whole cluster in USD per hour, null when unknown (existing hosts). */
    costPerHour: number | null;
    /** Legal but probably unintended choices, known-quality notes and the price basis. */
    warnings: PlanWarning[];
}

export type PlanResult = { ok: true; plan: ServingPlan } | { ok: false; problems: Problem[] };
