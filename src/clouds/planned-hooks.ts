// Boot hooks for clouds whose component is not built yet, so `npm run plan` shows every node's real
// user data. The names here are the naming contract those components must follow: a secret or bucket
// named differently would leave the nodes reading from nowhere.

import { createHash } from "node:crypto";
import type { BootHooks } from "../boot/hooks";
import type { ServingPlan } from "../plan/index";

/** Where an existing host keeps what the boot pipeline reads: root-only files the operator places. */
export const HOSTS_SECRETS_DIR = "/etc/deepseek-sglang/secrets";
export const HOSTS_STATUS_DIR = "/var/lib/deepseek-sglang/status";

function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Azure Key Vault and storage account names: globally unique, 3-24 lowercase letters and digits. */
export function azureResourceBase(stack: string): string {
    return `dsk${stack.replace(/[^a-z0-9]/g, "").slice(0, 13)}${shortHash(stack)}`;
}

export function plannedBootHooks(plan: ServingPlan, opts: { hfToken: boolean; gcpProject: string | null }): BootHooks | null {
    const stack = plan.stack ?? "deepseek";
    switch (plan.cloud) {
        case "hosts":
            return {
                cloud: "hosts",
                region: null,
                secrets: { hfToken: opts.hfToken ? `${HOSTS_SECRETS_DIR}/hf-token` : null, apiKey: `${HOSTS_SECRETS_DIR}/api-key` },
                weightsMirror: null,
                statusPrefix: HOSTS_STATUS_DIR,
                cachePrefix: null,
            };
        case "azure": {
            const base = azureResourceBase(stack);
            return {
                cloud: "azure",
                region: plan.region,
                secrets: { hfToken: opts.hfToken ? `https://${base}.vault.azure.net/secrets/hf-token` : null, apiKey: `https://${base}.vault.azure.net/secrets/api-key` },
                weightsMirror: null,
                statusPrefix: `https://${base}.blob.core.windows.net/state/status`,
                cachePrefix: `https://${base}.blob.core.windows.net/state/cache`,
            };
        }
        case "gcp": {
            if (!opts.gcpProject) return null;
            const bucket = `${stack}-state-${shortHash(stack)}`;
            return {
                cloud: "gcp",
                region: plan.region,
                secrets: { hfToken: opts.hfToken ? `projects/${opts.gcpProject}/secrets/${stack}-hf-token` : null, apiKey: `projects/${opts.gcpProject}/secrets/${stack}-api-key` },
                weightsMirror: null,
                statusPrefix: `gs://${bucket}/status`,
                cachePrefix: `gs://${bucket}/cache`,
            };
        }
        case "aws":
            return null; // the AWS component renders its own from the resources it creates
    }
}
