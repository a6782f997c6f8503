// Weights staged before any GPU exists: the names the staging host and the GPU nodes' gate share,
// and what staging costs and saves per row. Pure.

import { bytesNeeded } from "../boot/render";
import type { ServingPlan } from "../plan/types";

/**
 * The record stage-weights.sh stores last in the mirror (`<mirror>/<this>`), naming the repo,
 * revision, commit and manifest it verified: present means every file is there and verified.
 */
export const MIRROR_COMPLETE_RECORD = ".dsboot-mirror-complete.json";


const MB = 1e6;
/**
 * Hugging Face to one host: "beyond ~500MB/s" is what hf_transfer is for (cloud-facts §6 [S16]);
 * the nodes' curl path is below that, so 500 MB/s is the optimistic rate a GPU cluster would bill through.
 */
export const HF_BYTES_PER_S = 500 * MB;
/**
 * Object store to a node with a parallel copier: s5cmd "can saturate a 40Gbps link (~4.3 GB/s)"
 * (cloud-facts §6 [S15]); fetch-weights.sh uses s5cmd where installed, else the CLI's CRT client.
 */
export const MIRROR_BYTES_PER_S = 4300 * MB;
/** A cloud's staging host: a network-heavy CPU machine (the cloud adapter's `stagingHost`). */
export interface StagingHost {
    /** Its machine or instance type. */
    type: string;
    /** On-demand list price in USD per hour; null while no public price is recorded (docs/sources.md). */
    pricePerHour: number | null;
}

// The OS and packages on the staging host's disk beside the weights.
const STAGING_OS_GIB = 16;

/** The staging host's disk: the checkpoint, its BF16 conversion and headroom (bytesNeeded), plus the OS. */
export function stagingDiskGiB(plan: ServingPlan): number {
    return Math.ceil(bytesNeeded(plan) / 2 ** 30) + STAGING_OS_GIB;
}

export interface StagingEstimate {
    /** What is staged: the checkpoint, plus the BF16 conversion for BF16 rows. */
    bytes: number;
    stagingHost: string;
    /** Hours the staging host runs (Hugging Face download, then conversion at the budget's rate). */
    stagingHours: number;
    /** Staging host cost; null while the host has no sourced price. */
    stagingCostUsd: number | null;
    /** GPU-cluster hours a first boot without a mirror bills while weights cross the internet. */
    gpuHoursAvoided: number;
    /** Those hours at the cluster's list price, minus the mirror-to-node copy that remains; null without a price. */
    savedUsd: number | null;
}

/** What staging on `host` costs and saves for one deployment of the plan's row (one first boot). */
export function stagingEstimate(plan: ServingPlan, host: StagingHost): StagingEstimate {
    const w = plan.weights;
    const hf = w.bytes / HF_BYTES_PER_S / 3600;
    // Without staging every node downloads (and the BF16 rows convert) while the GPUs bill; with it
    // they copy from the mirror. Conversion: the same 100 MB/s floor the readiness budget uses.
    const conversion = w.conversion ? w.conversion.outputBytes / (100 * MB) / 3600 : 0;
    const fromMirror = (w.conversion ? w.conversion.outputBytes : w.bytes) / MIRROR_BYTES_PER_S / 3600;
    const gpuHoursAvoided = Math.max(0, hf + conversion - fromMirror);
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return {
        bytes: w.bytes + (w.conversion?.outputBytes ?? 0),
        stagingHost: host.type,
        stagingHours: round(hf + conversion),
        stagingCostUsd: host.pricePerHour === null ? null : round((hf + conversion) * host.pricePerHour),
        gpuHoursAvoided: round(gpuHoursAvoided),
        savedUsd: plan.costPerHour === null ? null : round(gpuHoursAvoided * plan.costPerHour),
    };
}
