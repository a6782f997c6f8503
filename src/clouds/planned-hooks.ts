// Boot hooks for clouds whose component is not built yet, so `npm run plan` shows every node's real
// user data. The names here are the naming contract those components must follow: a secret or bucket
// named differently would leave the nodes reading from nowhere. Each cloud's adapter calls its own.

import { createHash } from "node:crypto";
import type { BootHooks } from "../boot/hooks";
import type { ServingPlan } from "../plan/index";

/** Where an existing host keeps what the boot pipeline reads: root-only files the operator places. */
export const HOSTS_SECRETS_DIR = "/etc/deepseek-sglang/secrets";
export const HOSTS_STATUS_DIR = "/var/lib/deepseek-sglang/status";

export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Azure Key Vault and storage account names: globally unique, 3-24 lowercase letters and digits. */
export function azureResourceBase(stack: string): string {
    return `dsk${stack.replace(/[^a-z0-9]/g, "").slice(0, 13)}${shortHash(stack)}`;
}

const stackOf = (plan: ServingPlan): string => plan.stack ?? "deepseek";

export function plannedHostsHooks(_plan: ServingPlan, opts: { hfToken: boolean }): BootHooks {
    return {
        cloud: "hosts",
        region: null,
        secrets: { hfToken: opts.hfToken ? `${HOSTS_SECRETS_DIR}/hf-token` : null, apiKey: `${HOSTS_SECRETS_DIR}/api-key` },
        weightsMirror: null,
        statusPrefix: HOSTS_STATUS_DIR,
        cachePrefix: null,
    };
}

export function plannedAzureHooks(plan: ServingPlan, opts: { hfToken: boolean }): BootHooks {
    const base = azureResourceBase(stackOf(plan));
    return {
        cloud: "azure",
        region: plan.region,
        secrets: { hfToken: opts.hfToken ? `https://${base}.vault.azure.net/secrets/hf-token` : null, apiKey: `https://${base}.vault.azure.net/secrets/api-key` },
        weightsMirror: null,
        statusPrefix: `https://${base}.blob.core.windows.net/state/status`,
        cachePrefix: `https://${base}.blob.core.windows.net/state/cache`,
    };
}

