// The program's side of the cloud seam: build the component the plan's cloud registers. Clouds
// without a component are planned offline (npm run plan) but refused by `pulumi up`, so nobody is
// billed for a half-built path.

import * as pulumi from "@pulumi/pulumi";
import type { ServingPlan } from "../plan/index";
import { CLUSTER_KEY } from "../intent/schema";
import { readinessBudget } from "../readiness/budget";
import { ReadinessGate, afterReady } from "../readiness/gate";
import type { ServingClusterOutputs } from "./adapter";
import { cloudAdapter } from "./registry";

export { CLOUD_ADAPTERS, cloudAdapter, hasComponent } from "./registry";
export type * from "./adapter";

/** The stack outputs of `pulumi up`: the same keys on every cloud. */
const OUTPUT_KEYS = ["endpoint", "apiKey", "nodeIds", "nodeAddresses", "statusLocation", "costPerHour", "logCommands"] as const satisfies readonly (keyof ServingClusterOutputs)[];

export function deployPlan(plan: ServingPlan, hfToken: pulumi.Output<string> | undefined): Record<string, unknown> {
    const name = plan.stack ?? "deepseek";
    const factory = cloudAdapter(plan.cloud).component?.();
    if (!factory) {
        throw new pulumi.RunError(`${CLUSTER_KEY}.cloud: "${plan.cloud}" has no component yet; \`npm run plan -- --stack ${name}\` previews its plan offline, but \`pulumi up\` creates nothing for it`);
    }
    const cluster = factory(name, { plan, hfToken });
    const outputs: Record<string, unknown> = Object.fromEntries(OUTPUT_KEYS.map((key) => [key, cluster[key]]));
    // `pulumi up` ends when the model answers: the endpoint is known only after the readiness gate.
    const store = cloudAdapter(plan.cloud).statusStore?.(plan.region);
    if (store) {
        const gate = new ReadinessGate(`${name}-ready`, {
            statusLocation: cluster.statusLocation, nodeIds: cluster.nodeIds, nodes: plan.nodes.length, budget: readinessBudget(plan),
        }, store);
        outputs["endpoint"] = afterReady(gate, cluster.endpoint);
        outputs["servedAt"] = gate.servedAt;
    }
    return outputs;
}
