// Real plans from the lead's planner for the boot tests: every row of the requirements table on
// AWS where AWS offers the GPU (Azure for the MI300X rows), plus samples on GCP, Azure and hosts.

import { ROWS, type CloudId } from "../../src/catalog/index";
import { planFromConfig } from "../../src/plan/index";
import type { ServingPlan } from "../../src/plan/types";
import type { BootHooks } from "../../src/boot/hooks";

const REGION_KEY: Record<CloudId, [string, string] | null> = {
    aws: ["aws:region", "us-east-2"],
    gcp: ["gcp:region", "us-central1"],
    azure: ["azure-native:location", "eastus"],
    hosts: null,
};

export function planOf(cloud: CloudId, rowId: string, opts: { gpu?: string; addresses?: string[]; cluster?: Record<string, unknown> } = {}): ServingPlan {
    const row = ROWS.find((r) => r.id === rowId);
    if (!row) throw new Error(`no row ${rowId}`);
    const cluster: Record<string, unknown> = { cloud, gpu: opts.gpu ?? row.gpus[0], weights: row.weights, ...opts.cluster };
    if (cloud === "hosts") {
        cluster.hosts = { addresses: opts.addresses ?? Array.from({ length: row.nodes }, (_, i) => `10.9.0.${i + 11}`) };
    }
    const config: Record<string, unknown> = { "deepseek-sglang:cluster": cluster };
    const region = REGION_KEY[cloud];
    if (region) config[region[0]] = region[1];
    if (cloud === "gcp") config["gcp:project"] = "test-project";
    const r = planFromConfig(config, { stack: null });
    if (!r.ok) throw new Error(`${cloud} ${rowId}: ${r.problems.map((p) => `${p.path}: ${p.reason}`).join("; ")}`);
    return r.plan;
}

/** Plans the size and schema tests cover: every row, and a sample of every cloud. */
export function coveredPlans(): { name: string; plan: ServingPlan }[] {
    const out: { name: string; plan: ServingPlan }[] = [];
    for (const row of ROWS) {
        const cloud: CloudId = row.gpus.includes("MI300X") ? "azure" : "aws";
        out.push({ name: `${row.id}-${cloud}`, plan: planOf(cloud, row.id) });
    }
    for (const [cloud, rowId] of [["gcp", "fp8-8xh200"], ["gcp", "fp8-2x8xh100"], ["gcp", "int8-16xa100"], ["azure", "bf16-2x8xh200"], ["hosts", "fp8-2x8xh100"], ["hosts", "int8-32xl40s"]] as const) {
        out.push({ name: `${rowId}-${cloud}`, plan: planOf(cloud, rowId) });
    }
    return out;
}

/** Hooks shaped like each cloud component's (references only; no secret values exist at render). */
export function hooksFor(plan: ServingPlan, over: Partial<BootHooks> = {}): BootHooks {
    const base: Record<CloudId, BootHooks> = {
        aws: {
            cloud: "aws",
            region: plan.region,
            secrets: { hfToken: "arn:aws:secretsmanager:us-east-2:123456789012:secret:dsboot/hf-AbCdEf", apiKey: "arn:aws:secretsmanager:us-east-2:123456789012:secret:dsboot/api-key-AbCdEf" },
            weightsMirror: "s3://dsboot-weights-123/deepseek-ai/DeepSeek-V3",
            statusPrefix: "s3://dsboot-status-123/stack",
            cachePrefix: "s3://dsboot-cache-123/stack",
            toolsPrefix: "s3://dsboot-cache-123/stack/tools",
        },
        gcp: {
            cloud: "gcp",
            region: plan.region,
            secrets: { hfToken: "projects/p/secrets/hf-token", apiKey: "projects/p/secrets/api-key" },
            weightsMirror: "gs://dsboot-weights/deepseek",
            statusPrefix: "gs://dsboot-status/stack",
            cachePrefix: "gs://dsboot-cache/stack",
        },
        azure: {
            cloud: "azure",
            region: plan.region,
            secrets: { hfToken: "https://dsboot.vault.azure.net/secrets/hf-token", apiKey: "https://dsboot.vault.azure.net/secrets/api-key" },
            weightsMirror: "https://dsboot.blob.core.windows.net/weights/deepseek",
            statusPrefix: "https://dsboot.blob.core.windows.net/status/stack",
            cachePrefix: "https://dsboot.blob.core.windows.net/cache/stack",
        },
        hosts: {
            cloud: "hosts",
            region: null,
            secrets: { hfToken: null, apiKey: "/etc/dsboot-secrets/api-key" },
            weightsMirror: null,
            statusPrefix: "/var/lib/dsboot-status",
            cachePrefix: null,
        },
    };
    return { ...base[plan.cloud], ...over };
}
