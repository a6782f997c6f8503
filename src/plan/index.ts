export * from "./types";
export { plan, HTTP_PORT, DIST_INIT_PORT } from "./plan";
export { parseSglangArgv } from "./argparse";
export { formatProblems } from "./problems";

import { parseDeploymentConfig } from "../spec/parse";
import { plan } from "./plan";
import type { PlanResult } from "./types";

/** Stack config map -> ServingPlan: parse the spec, then plan it. Both steps list every problem. */
export function planFromConfig(config: Record<string, unknown>, opts: { stack: string | null; secretKeys?: ReadonlySet<string> }): PlanResult {
    const parsed = parseDeploymentConfig(config, opts);
    if (parsed.ok) return plan(parsed.spec);
    if (!parsed.spec) return { ok: false, problems: parsed.problems };
    const planned = plan(parsed.spec);
    return { ok: false, problems: [...parsed.problems, ...(planned.ok ? [] : planned.problems)] };
}
