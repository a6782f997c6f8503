// TEMPORARY stand-in for src/boot (see boot-shim.ts): renders the parts the AWS tests look at.
import type { BootHooks } from "../../src/boot/hooks.js";
import type { ServingPlan } from "../../src/plan/types.js";

export const BOOT_STAGE_UNITS = ["dsboot-prepare-storage.service", "dsboot-fetch-weights.service", "dsboot-sglang.service"] as const;

export function renderUserData(plan: ServingPlan, rank: number, hooks: BootHooks): string {
    const node = plan.nodes.find((n) => n.rank === rank)!;
    return ["#cloud-config", `# rank ${rank}`, `# launch: ${JSON.stringify(node.launch)}`, `# hooks: ${JSON.stringify(hooks)}`].join("\n") + "\n";
}
