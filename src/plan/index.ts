export * from "./types.js";
export { plan, HTTP_PORT, DIST_INIT_PORT } from "./plan.js";
export { parseSglangArgv } from "./argparse.js";
export { formatProblems } from "./problems.js";

import { parseDeploymentConfig } from "../spec/parse.js";
import { plan } from "./plan.js";
import type { PlanResult } from "./types.js";

/** Stack config map -> ServingPlan: parse the spec, then plan it. Both steps list every problem. */
export function planFromConfig(config: Record<string, unknown>, opts: { stack: string | null; secretKeys?: ReadonlySet<string> }): PlanResult {
    const parsed = parseDeploymentConfig(config, opts);
    if (parsed.ok) return plan(parsed.spec);
    if (!parsed.spec) return { ok: false, problems: parsed.problems };
    const planned = plan(parsed.spec);
    return { ok: false, problems: [...parsed.problems, ...(planned.ok ? [] : planned.problems)] };
}
