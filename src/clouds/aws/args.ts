// The public contract of AwsServingCluster: a hand-written args interface (pulumi-style.md, "Model
// conventions" 2) so the class can later be published as a component package unchanged.

import type { ServingClusterArgs } from "../adapter";

export interface AwsServingClusterArgs extends ServingClusterArgs {
    /**
     * The decided deployment (`planFromConfig`): row, GPU, per-rank fixed addresses, ports, image,
     * argv, and the placement the AWS adapter resolved from the `aws:` block (instance type, zone,
     * VPC and subnet, allow-list, capacity). `plan.region` must be set (the stack's `aws:region`).
     * Defaults the planner applied: a new VPC 10.42.0.0/16 with the cluster subnet 10.42.0.0/24 in the
     * first zone that offers the instance type; the catalog's preferred instance type for the GPU;
     * on-demand capacity; the DLAMI from its public SSM parameter; a 300 GiB gp3 root volume; no
     * weights mirror; no NLB; the API port open to the VPC only.
     */
    plan: ServingClusterArgs["plan"];
    /** Tags added to every taggable child, after the `aws.tags` of the config. Defaults to none. */
    tags?: Record<string, string>;
}
