export * from "./types";
export { plan, HTTP_PORT, DIST_INIT_PORT } from "./plan";
export { parseSglangArgv } from "./argparse";
export { formatProblems } from "./problems";

import { USER_DATA_LIMIT_BYTES, gzipUserData, renderUserData } from "../boot/render";
import type { BootHooks } from "../boot/hooks";
import { parseDeploymentConfig, type DeploymentSpec } from "../spec/parse";
import { at } from "./paths";
import { plan } from "./plan";
import type { PlanResult, Problem, ServingPlan } from "./types";

/**
 * User data must fit the smallest cloud cap (EC2's 16 KB, gzipped as the components send it). Rank 0's
 * is the largest (it carries the API-key hook); it is rendered with stand-in hook names longer than any
 * real ARN or URL, so a plan that passes here fits on every cloud.
 */
export function userDataProblems(p: ServingPlan, spec: DeploymentSpec): Problem[] {
    const long = "x".repeat(160);
    const hooks: BootHooks = { cloud: p.cloud, region: p.region, secrets: { hfToken: long, apiKey: long }, weightsMirror: long, weightsMirrorWritable: true, statusPrefix: long, cachePrefix: long };
    const bytes = gzipUserData(renderUserData(p, 0, hooks)).length;
    if (bytes <= USER_DATA_LIMIT_BYTES) return [];
    const extra = (spec.cluster.sglang?.extraArgs ?? []).join(" ").length;
    const path = extra > 0 ? at("sglang", "extraArgs") : at("model");
    const why = extra > 0 ? `sglang.extraArgs adds ${extra} characters to every node's command line` : "the model and revision names make it large";
    return [{ path, reason: `rank 0's user data would be ${bytes} bytes gzipped, over the ${USER_DATA_LIMIT_BYTES} bytes a cloud accepts (EC2's cap); ${why}; shorten it (long JSON values can often go into fewer, shorter flags)` }];
}

/** Stack config map -> ServingPlan: parse the spec, then plan it. Both steps list every problem. */
export function planFromConfig(config: Record<string, unknown>, opts: { stack: string | null; secretKeys?: ReadonlySet<string> }): PlanResult {
    const parsed = parseDeploymentConfig(config, opts);
    if (parsed.ok) {
        const planned = plan(parsed.spec);
        if (!planned.ok) return planned;
        const tooLarge = userDataProblems(planned.plan, parsed.spec);
        return tooLarge.length > 0 ? { ok: false, problems: tooLarge } : planned;
    }
    if (!parsed.spec) return { ok: false, problems: parsed.problems };
    const planned = plan(parsed.spec);
    return { ok: false, problems: [...parsed.problems, ...(planned.ok ? [] : planned.problems)] };
}
