// Real plans of every GCP stack in stacks/, and variants of them, for the GCP tests.

import * as path from "node:path";
import { listStacks, readStackFile } from "../../src/config";
import { planFromConfig, type ServingPlan } from "../../src/plan/index";
import type { GcpConfig } from "../../src/clouds/gcp/schema";
import { CLUSTER_KEY, type ClusterConfig } from "../../src/intent/schema";

const ROOT = path.resolve(__dirname, "../..");

/** Every row GCP can serve (H200, H100 and A100 rows; cloud-facts §9); each must have a stack. */
export const GCP_ROWS = ["fp8-8xh200", "bf16-2x8xh200", "fp8-2x8xh100", "bf16-4x8xh100", "awq-8xh100", "bf16-4x8xa100", "awq-8xa100", "int8-16xa100"] as const;

export interface GcpStack {
    stack: string;
    rowId: string;
    values: Record<string, unknown>;
    plan: ServingPlan;
}

export function gcpStacks(): GcpStack[] {
    return listStacks(ROOT)
        .map((stack) => ({ stack, config: readStackFile(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), stack) }))
        .filter(({ config }) => (config.values[CLUSTER_KEY] as ClusterConfig | undefined)?.cloud === "gcp")
        .map(({ stack, config }) => {
            const plan = mustPlan(config.values, stack);
            return { stack, rowId: plan.row.id, values: config.values, plan };
        });
}

export function gcpStackFor(rowId: string): GcpStack {
    const found = gcpStacks().find((s) => s.rowId === rowId);
    if (!found) throw new Error(`no GCP stack for ${rowId}`);
    return found;
}

/** The stack's config with its `gcp:` block replaced, planned again. */
export function withGcp(base: GcpStack, gcp: GcpConfig, settings: Record<string, string> = {}): GcpStack {
    const cluster = { ...(base.values[CLUSTER_KEY] as ClusterConfig), gcp };
    const values = { ...base.values, ...settings, [CLUSTER_KEY]: cluster };
    return { ...base, values, plan: mustPlan(values, base.stack) };
}

export function problemsOf(base: GcpStack, gcp: GcpConfig, settings: Record<string, unknown> = {}): { path: string; reason: string }[] {
    const cluster = { ...(base.values[CLUSTER_KEY] as ClusterConfig), gcp };
    const r = planFromConfig({ ...base.values, ...settings, [CLUSTER_KEY]: cluster }, { stack: base.stack });
    return r.ok ? [] : r.problems;
}

export function mustPlan(values: Record<string, unknown>, stack: string): ServingPlan {
    const r = planFromConfig(values, { stack });
    if (!r.ok) throw new Error(`${stack} does not plan:\n${r.problems.map((p) => `${p.path}: ${p.reason}`).join("\n")}`);
    return r.plan;
}
