// The staging host's user data: one #cloud-config document that fills the weights mirror with the
// plan's revision (stage-weights.sh through the boot pipeline's own fetch-weights.sh) and powers the
// host off. Pure; built from render.ts's pieces so the staging host runs exactly the nodes' scripts.

import type { ServingPlan } from "../plan/types";
import type { BootHooks } from "./hooks";
import { FETCHED_TOOLS, bootEnvFile, bootSettings, cloudConfigText, scriptFile, unitFile, type WriteFile } from "./render";

export const STAGING_UNIT = "dsboot-stage-weights.service";

/** What the staging host runs: the transfer and verification, the record, and the converter for BF16 rows. */
export function stagingScripts(plan: ServingPlan, hooks: BootHooks): string[] {
    const scripts = ["lib.sh", "fetch-weights.sh", "stage-weights.sh", "dsboot-tool.py", "mirror-record.py"];
    // The converter travels through the tools prefix where the cloud uses one (AWS's 16 KB user data).
    const fetched = Boolean(hooks.toolsPrefix) && (FETCHED_TOOLS as readonly string[]).includes("fp8-to-bf16.py");
    if (plan.weights.conversion && !fetched) scripts.push("fp8-to-bf16.py");
    return scripts;
}

/**
 * boot.env for the staging host: rank 0's settings (rank 0 publishes the BF16 conversion), with the
 * mirror writable, the conversion on this CPU host (numpy, no serving image), and power-off at the end.
 */
export function stagingSettings(plan: ServingPlan, hooks: BootHooks): Record<string, string> {
    if (!hooks.weightsMirror) throw new Error("boot: the staging host needs a weights mirror to fill (hooks.weightsMirror is null)");
    return {
        ...bootSettings(plan, 0, { ...hooks, weightsMirrorWritable: true }),
        DSBOOT_STAGE_POWEROFF: "1",
        DSBOOT_CONVERT_ON_HOST: "1",
    };
}

/** Every file the staging host gets, with its mode. */
export function stagingFiles(plan: ServingPlan, hooks: BootHooks): WriteFile[] {
    return [...stagingScripts(plan, hooks).map(scriptFile), unitFile(STAGING_UNIT), bootEnvFile(stagingSettings(plan, hooks))];
}

/**
 * The staging host's #cloud-config. `hooks.statusPrefix` is where its own status record goes: give
 * it a prefix of its own, not the GPU nodes' (it publishes as rank 0). numpy comes from the image's
 * distribution (python3-numpy on Debian/Ubuntu and Fedora/Amazon Linux): the converter's CPU backend.
 */
export function renderStagingUserData(plan: ServingPlan, hooks: BootHooks): string {
    const doc = {
        packages: ["python3-numpy"],
        write_files: stagingFiles(plan, hooks),
        runcmd: [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", STAGING_UNIT],
            ["systemctl", "start", "--no-block", STAGING_UNIT],
        ],
    };
    return cloudConfigText(doc);
}
