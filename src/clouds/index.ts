// Which component serves a plan on its cloud. Clouds without a component yet are planned offline
// (npm run plan) but refused by `pulumi up`, so nobody is billed for a half-built path.

import * as pulumi from "@pulumi/pulumi";
import type { CloudId } from "../catalog/index";
import type { ServingPlan } from "../plan/index";
import { CLUSTER_KEY, type ClusterConfig } from "../spec/schema";
import { AwsServingCluster } from "./aws/index";

export const CLOUDS_WITH_COMPONENT: ReadonlySet<CloudId> = new Set<CloudId>(["aws"]);

export function deployPlan(plan: ServingPlan, values: Record<string, unknown>, hfToken: pulumi.Output<string> | undefined): Record<string, unknown> {
    const cluster = values[CLUSTER_KEY] as ClusterConfig;
    const name = plan.stack ?? "deepseek";
    switch (plan.cloud) {
        case "aws": {
            const c = new AwsServingCluster(name, { plan, aws: cluster.aws ?? {}, hfToken });
            return {
                endpoint: c.endpoint,
                apiKey: c.apiKey,
                nodeIds: c.nodeIds,
                nodeAddresses: c.nodeAddresses,
                statusLocation: c.statusLocation,
                costPerHour: c.costPerHour,
                logCommands: c.logCommands,
            };
        }
        default:
            throw new pulumi.RunError(`${CLUSTER_KEY}.cloud: "${plan.cloud}" has no component yet; \`npm run plan -- --stack ${name}\` previews its plan offline, but \`pulumi up\` creates nothing for it`);
    }
}
