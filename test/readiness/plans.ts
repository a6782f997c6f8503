// Plans of the repository's stacks and status records as the nodes write them, for the readiness tests.

import * as path from "node:path";
import { readStackFile, stacksDir } from "../../src/config";
import { planFromConfig, type ServingPlan } from "../../src/plan/index";
import type { NodeStatus } from "../../src/readiness/assess";

const ROOT = path.resolve(__dirname, "..", "..");

export function planFor(stack: string): ServingPlan {
    const config = readStackFile(path.join(stacksDir(ROOT), `Pulumi.${stack}.yaml`), stack);
    const r = planFromConfig(config.values, { stack, secretKeys: config.secretKeys });
    if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.reason}`).join("\n"));
    return r.plan;
}

export const T0 = Date.parse("2026-12-02T04:00:00Z");
export const iso = (s: number) => new Date(T0 + s * 1000).toISOString().replace(/\.\d+Z$/, "Z");

/** A record as dsboot-tool.py writes it, `s` seconds after T0. */
export function record(rank: number, stage: string, state: string, s: number, extra: Partial<NodeStatus> = {}): NodeStatus {
    return {
        rank, address: `10.42.0.${10 + rank}`, stage, state, updatedAt: iso(s),
        stages: { [stage]: { state, startedAt: iso(Math.max(0, s - 30)), updatedAt: iso(s) } }, lastError: null, ...extra,
    };
}

