// Cold-start estimate of one node's boot pipeline (fresh disks, no caches): the same critical path
// as the units' ordering, with each part's time from the row's sizes and from rates that were either
// measured in the sandbox (`npm run bench:boot`) or come from the cited facts. Pure.

import { findInstanceType } from "../catalog/index";
import type { ServingPlan } from "../plan/types";

/** Measured on the development machine (2 shared vCPUs), see `npm run bench:boot`. */
export const MEASURED = {
    /** Python hashlib sha256 (OpenSSL, SHA-NI): 256 MiB in 0.28 s of one core's CPU time (2026-12-02). */
    sha256GBpsPerCore: 1.0,
    /** fetch-weights stage over max(raw download, raw hash) of 3.2 GB, the link paced at 400 MB/s: 1.09, 1.13, 1.09 (2026-12-07). */
    fetchOverFloor: 1.1,
} as const;

/** Rates of the parts the sandbox cannot measure. Each names its source (docs/sources.md, "Boot pipeline"). */
export const RATES = {
    /** s5cmd from same-region object storage "can saturate a 40Gbps link (~4.3 GB/s)" (cloud-facts §6). */
    mirrorGBps: 4.3,
    /** Hugging Face with a parallel client, "beyond ~500MB/s" (cloud-facts §6, hf_transfer). */
    hubGBps: 0.5,
    /** lmsysorg/sglang is about 11 GB, nearly all one layer (sgl-project/sglang#3673). */
    imageGB: 11,
    /** Assumed: one large layer is fetched and unpacked by a single gzip stream. */
    imagePullGBps: 0.15,
    /** compile_deep_gemm "typically takes around 10 minutes" (sglang-facts §3; 10-20 in the runtime warning). */
    deepgemmMinutes: 10,
    /** Assumed until measured on a GPU: FP8 -> BF16 reads the checkpoint and writes twice its weight bytes. */
    conversionGBps: 1.0,
    /** Assumed: the server reads the served weights from local NVMe into the GPUs. */
    loadGBps: 2.0,
    /** vCPUs assumed for existing hosts, whose shape the plan does not know. */
    hostVcpus: 32,
} as const;

export interface ColdStartPart {
    minutes: number;
    /** Starts after these parts (the units' ordering). */
    after: string[];
}

export interface ColdStart {
    /** Minutes to "serving" with the weights from an object-store mirror and from the Hugging Face Hub. */
    totalMinutes: { mirror: number; hub: number };
    /** Per part, with the mirror as the source (download and its overlap differ with the hub). */
    parts: Record<"download" | "conversion" | "pull" | "compile" | "load", ColdStartPart>;
    /** The chain of parts that decides the total (mirror source). */
    criticalPath: string[];
    /** The precompile runs beside the download (dummy weights) instead of after it. */
    compileOverlapsDownload: boolean;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Download and verify together: the slower of the link and the hashing, times the measured overhead. */
function fetchMinutes(bytes: number, sourceGBps: number, vcpus: number): number {
    const gb = bytes / 1e9;
    return (Math.max(gb / sourceGBps, gb / (vcpus * MEASURED.sha256GBpsPerCore)) * MEASURED.fetchOverFloor) / 60;
}

export function coldStart(plan: ServingPlan): ColdStart {
    const vcpus = (plan.placement.instanceType && findInstanceType(plan.cloud, plan.placement.instanceType)?.vcpus) || RATES.hostVcpus;
    const conversionBytes = plan.weights.conversion ? plan.weights.bytes + plan.weights.conversion.outputBytes : 0;
    const conversion = conversionBytes / 1e9 / RATES.conversionGBps / 60;
    const pull = RATES.imageGB / RATES.imagePullGBps / 60;
    const compile = plan.deepgemm.precompile ? RATES.deepgemmMinutes : 0;
    const servedBytes = plan.weights.conversion?.outputBytes ?? plan.weights.bytes;
    // Every rank reads the whole checkpoint (keeping its slice); the node reads it once into page cache.
    const load = servedBytes / 1e9 / RATES.loadGBps / 60;

    const timeline = (download: number) => {
        const weights = download + conversion;
        const compileStart = plan.deepgemm.beforeWeights ? pull : Math.max(pull, weights);
        const compileEnd = compileStart + compile;
        const serverStart = Math.max(weights, pull, compileEnd);
        const path: string[] = [];
        if (compile > 0 && compileEnd >= serverStart) path.push(...(plan.deepgemm.beforeWeights || pull >= weights ? ["pull"] : ["download", ...(conversion ? ["conversion"] : [])]), "compile");
        else if (pull >= weights) path.push("pull");
        else path.push("download", ...(conversion ? ["conversion"] : []));
        return { total: serverStart + load, path: [...path, "load"] };
    };
    const mirrorDownload = fetchMinutes(plan.weights.bytes, RATES.mirrorGBps, vcpus);
    const mirror = timeline(mirrorDownload);
    const hub = timeline(fetchMinutes(plan.weights.bytes, RATES.hubGBps, vcpus));
    return {
        totalMinutes: { mirror: round1(mirror.total), hub: round1(hub.total) },
        parts: {
            download: { minutes: round1(mirrorDownload), after: [] },
            conversion: { minutes: round1(conversion), after: ["download"] },
            pull: { minutes: round1(pull), after: [] },
            compile: { minutes: round1(compile), after: plan.deepgemm.beforeWeights ? ["pull"] : ["pull", "download", "conversion"] },
            load: { minutes: round1(load), after: ["download", "conversion", "pull", "compile"] },
        },
        criticalPath: mirror.path,
        compileOverlapsDownload: plan.deepgemm.beforeWeights,
    };
}
