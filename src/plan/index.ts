export * from "./types";
export { plan, HTTP_PORT, DIST_INIT_PORT } from "./plan";
export { parseSglangArgv } from "./argparse";
export { formatProblems } from "./problems";

import { USER_DATA_LIMIT_BYTES, USER_DATA_LIMITS, gzipUserData, renderUserData } from "../boot/render";
import type { BootHooks } from "../boot/hooks";
import { parseDeploymentConfig, type DeploymentSpec } from "../intent/parse";
import { at } from "./paths";
import { plan } from "./plan";
import type { PlanResult, Problem, ServingPlan } from "./types";

/**
 * User data must fit the smallest cloud cap (EC2's 16 KB, gzipped as the components send it). Rank 0's
 * is the largest (it carries the API-key hook). A refusal is the user's only when their settings are
 * what makes it large: the same plan without sglang.extraArgs fits, and they add a material share
 * (EXTRA_ARGS_MATERIAL). The library's own size is the boot tests' job.
 */
/** Gzipped bytes extraArgs must add before an oversized user data is theirs to shorten. */
export const EXTRA_ARGS_MATERIAL = 512;

export function userDataProblems(p: ServingPlan, spec: DeploymentSpec): Problem[] {
    const extraArgs = spec.cluster.sglang?.extraArgs ?? [];
    if (extraArgs.length === 0) return [];
    const arn = "x".repeat(100); // as long as a Secrets Manager ARN or a Key Vault secret URL
    const limit = USER_DATA_LIMITS[p.cloud];
    // A cloud with EC2's cap serves the Python tools from its store (BootHooks.toolsPrefix), as the AWS component does.
    const toolsPrefix = limit <= USER_DATA_LIMIT_BYTES ? arn : null;
    const hooks: BootHooks = { cloud: p.cloud, region: p.region, secrets: { hfToken: arn, apiKey: arn }, weightsMirror: null, statusPrefix: arn, cachePrefix: null, toolsPrefix };
    const text = renderUserData(p, 0, hooks);
    // Text that fits as it is fits gzipped too (and is sent as it is): no need to compress it.
    if (Buffer.byteLength(text, "utf8") <= limit) return [];
    const size = (plan: ServingPlan) => gzipUserData(renderUserData(plan, 0, hooks)).length;
    const bytes = gzipUserData(text).length;
    if (bytes <= limit) return [];
    const strip = (argv: string[] | null) => (argv ? argv.filter((t) => !extraArgs.includes(t)) : argv);
    const without: ServingPlan = { ...p, nodes: p.nodes.map((n) => ({ ...n, launch: strip(n.launch)!, precompile: strip(n.precompile) })) };
    const base = size(without);
    if (bytes - base < EXTRA_ARGS_MATERIAL) return [];
    const extra = extraArgs.join(" ").length;
    return [{ path: at("sglang", "extraArgs"), reason: `rank 0's user data would be ${bytes} bytes gzipped, over the ${limit} bytes ${p.cloud} accepts; sglang.extraArgs adds ${extra} characters to every node's command line; shorten it` }];
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
