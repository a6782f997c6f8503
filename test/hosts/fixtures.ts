// Plans on existing hosts, and the GPU tools' output of the machines the sandbox pretends to be.

import { planFromConfig } from "../../src/plan/index";
import type { ServingPlan } from "../../src/plan/types";
import type { HostsConfig } from "../../src/clouds/hosts/schema";

export function hostsPlan(cluster: { gpu: string; weights: string; hosts: HostsConfig; sglang?: Record<string, unknown>; model?: string }): ServingPlan {
    const r = planFromConfig({ "deepseek-sglang:cluster": { cloud: "hosts", ...cluster } }, { stack: null });
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.reason}`).join("; "));
    return r.plan;
}

/** nvidia-smi `--query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits` rows. */
export const nvidiaRows = (count: number, name: string, mib: number, driver: string): string[] => Array.from({ length: count }, () => `${name}, ${mib}, ${driver}`);

/** `amd-smi static --asic` for N GPUs, in the tool's text layout. */
export function amdAsic(count: number, market: string, gfx: string): string {
    return Array.from({ length: count }, (_, i) => [
        `GPU: ${i}`,
        "    ASIC:",
        `        MARKET_NAME: ${market}`,
        "        VENDOR_ID: 0x1002",
        "        VENDOR_NAME: Advanced Micro Devices Inc. [AMD/ATI]",
        "        DEVICE_ID: 0x74a1",
        "        NUM_COMPUTE_UNITS: 304",
        `        TARGET_GRAPHICS_VERSION: ${gfx}`,
        "",
    ].join("\n")).join("\n");
}

/** A ConnectX port running RoCE v2 with the IPv4-mapped GID at index 3 (SGLang's NCCL_IB_GID_INDEX=3). */
export const roce = (device = "mlx5_0") => ({ device, port: 1, linkLayer: "Ethernet" as const, state: "4: ACTIVE" as const, gids: { 0: "fe80:0000:0000:0000:0000:00ff:fe00:0001", 3: "0000:0000:0000:0000:0000:ffff:0a4d:000b" } });
