// Real plans of every AWS stack in stacks/, and variants of them, for the AWS tests.

import * as path from "node:path";
import { listStacks, readStackFile } from "../../src/config";
import { planFromConfig, type ServingPlan } from "../../src/plan/index";
import { CLUSTER_KEY, type ClusterConfig } from "../../src/intent/schema";
import type { AwsConfig } from "../../src/clouds/aws/schema";

const ROOT = path.resolve(__dirname, "../..");

/** The AWS rows the issue names; each must have a stack. */
export const AWS_ROWS = [
    "fp8-8xh200", "fp8-2x8xh100", "bf16-2x8xh200", "bf16-4x8xh100", "bf16-4x8xa100",
    "awq-8xh100", "awq-8xa100", "int8-16xa100", "int8-32xl40s",
] as const;

export interface AwsStack {
    stack: string;
    rowId: string;
    values: Record<string, unknown>;
    plan: ServingPlan;
    aws: AwsConfig;
}

export function awsStacks(): AwsStack[] {
    return listStacks(ROOT)
        .map((stack) => ({ stack, config: readStackFile(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), stack) }))
        .filter(({ config }) => (config.values[CLUSTER_KEY] as ClusterConfig | undefined)?.cloud === "aws")
        .map(({ stack, config }) => {
            const plan = mustPlan(config.values, stack);
            return { stack, rowId: plan.row.id, values: config.values, plan, aws: (config.values[CLUSTER_KEY] as ClusterConfig).aws ?? {} };
        });
}

export function awsStackFor(rowId: string): AwsStack {
    const found = awsStacks().find((s) => s.rowId === rowId);
    if (!found) throw new Error(`no AWS stack for ${rowId}`);
    return found;
}

/** The stack's config with its `aws:` block replaced, planned again (addresses may move). */
export function withAws(base: AwsStack, aws: AwsConfig): AwsStack {
    const cluster = { ...(base.values[CLUSTER_KEY] as ClusterConfig), aws };
    const values = { ...base.values, [CLUSTER_KEY]: cluster };
    return { ...base, values, aws, plan: mustPlan(values, base.stack) };
}

export function mustPlan(values: Record<string, unknown>, stack: string): ServingPlan {
    const r = planFromConfig(values, { stack });
    if (!r.ok) throw new Error(`${stack} does not plan:\n${r.problems.map((p) => `${p.path}: ${p.reason}`).join("\n")}`);
    return r.plan;
}

/**
 * A plan whose placement carries an `aws:` block the planner never checked, as a hand-made plan
 * would: the component must still refuse it on its own.
 */
export function withUncheckedAws(plan: ServingPlan, aws: AwsConfig): ServingPlan {
    return { ...plan, placement: { ...plan.placement, settings: aws } };
}
