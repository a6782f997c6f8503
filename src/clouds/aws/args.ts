// The public contract of AwsServingCluster: a hand-written args interface (pulumi-style.md, "Model
// conventions" 2) so the class can later be published as a component package unchanged.

import type * as pulumi from "@pulumi/pulumi";
import type { AwsConfig } from "../../spec/schema";
import type { ServingPlan } from "../../plan/types";

export interface AwsServingClusterArgs {
    /**
     * The decided deployment (`planFromConfig`): row, GPU, per-rank fixed addresses, ports, image and
     * argv. Plain, because it decides how many nodes and interfaces exist. `plan.region` must be set
     * (it is the stack's `aws:region`).
     */
    plan: ServingPlan;
    /**
     * The `aws:` block of the cluster config. Plain, because it decides the resource shape.
     * Defaults: a new VPC 10.42.0.0/16 with the cluster subnet 10.42.0.0/24 in the first zone that
     * offers the instance type; the catalog's preferred instance type for the GPU; on-demand capacity;
     * the DLAMI from its public SSM parameter; a 300 GiB gp3 root volume; no weights mirror; no NLB;
     * the API port open to the VPC only.
     */
    aws?: AwsConfig;
    /**
     * Hugging Face token, stored in Secrets Manager and read by the nodes at boot; never placed in user
     * data. Defaults to none (public model, or weights served from the mirror bucket).
     */
    hfToken?: pulumi.Input<string>;
    /** Tags added to every taggable child, after the `aws.tags` of the config. Defaults to none. */
    tags?: Record<string, string>;
}
