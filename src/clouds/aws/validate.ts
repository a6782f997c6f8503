// Checks the component runs before it creates anything. Pure: the same problems the planner lists,
// plus the ones only the component can see (a plan for another cloud, addresses that disagree).

import { findInstanceType, type InstanceType } from "../../catalog/index";
import type { Problem, ServingPlan } from "../../plan/types";
import type { ClusterConfig } from "../../intent/schema";
import { awsNodeAddresses, awsPath, checkAwsConfig } from "./checks";
import type { AwsConfig } from "./schema";

/** A refusal that lists every problem with its config path; thrown by AwsServingCluster. */
export class AwsConfigError extends Error {
    constructor(public readonly problems: Problem[]) {
        super(problems.map((p) => `${p.path}: ${p.reason}`).join("\n"));
        this.name = "AwsConfigError";
    }
}

/** The `aws:` block the planner checked, as the plan's placement carries it. */
export function awsSettings(plan: ServingPlan): AwsConfig {
    return plan.placement.settings as AwsConfig;
}

/** Throws AwsConfigError listing every problem; returns the instance type the nodes run on. */
export function validateAwsCluster(name: string, plan: ServingPlan): InstanceType {
    const aws = awsSettings(plan);
    const problems = [...checkComponentName(name, aws), ...checkPlanIsForAws(plan)];
    const cluster = { cloud: "aws", gpu: plan.row.gpu, weights: plan.row.weights, aws } as ClusterConfig;
    problems.push(...checkAwsConfig(cluster, { gpu: plan.row.gpu, nodes: plan.nodes.length, region: plan.region }));
    const type = instanceTypeOf(plan);
    if (!type) problems.push({ path: awsPath("instanceType"), reason: `no EC2 type for ${plan.row.gpu} (plan says ${plan.placement.instanceType ?? "nothing"})` });
    if (problems.length === 0) problems.push(...checkAddressesAgree(cluster, plan));
    if (problems.length > 0) throw new AwsConfigError(problems);
    return type!;
}

/** The catalog entry of the instance type the planner placed the nodes on, when it carries the plan's GPU. */
export function instanceTypeOf(plan: ServingPlan): InstanceType | undefined {
    const named = plan.placement.instanceType ? findInstanceType("aws", plan.placement.instanceType) : undefined;
    return named && named.gpu === plan.row.gpu ? named : undefined;
}

// Bucket autonames derive from the component name, and S3 accepts only lowercase names.
// Load balancer and target group names stop at 32 characters; `<name>-api-` plus Pulumi's 7-character suffix must fit.
const MAX_NAME_WITH_NLB = 20;

function checkComponentName(name: string, aws: AwsConfig): Problem[] {
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) {
        return [{ path: "name", reason: `component name "${name}" must be 1-31 lowercase letters, digits or hyphens (it prefixes S3 bucket and load balancer names)` }];
    }
    if (aws.loadBalancer && name.length > MAX_NAME_WITH_NLB) {
        return [{ path: "name", reason: `with loadBalancer: true the component name must be at most ${MAX_NAME_WITH_NLB} characters (NLB names stop at 32); "${name}" has ${name.length}` }];
    }
    return [];
}

function checkPlanIsForAws(plan: ServingPlan): Problem[] {
    const problems: Problem[] = [];
    if (plan.cloud !== "aws") problems.push({ path: "deepseek-sglang:cluster.cloud", reason: `the plan is for ${plan.cloud}, not aws` });
    if (!plan.region) problems.push({ path: "aws:region", reason: "set the stack's AWS region" });
    if (plan.nodes.length === 0) problems.push({ path: "deepseek-sglang:cluster.nodes", reason: "the plan has no nodes" });
    return problems;
}

// The planner wrote these addresses into every node's flags; the ENIs must carry exactly them.
function checkAddressesAgree(cluster: ClusterConfig, plan: ServingPlan): Problem[] {
    const expected = awsNodeAddresses(cluster, plan.nodes.length);
    const actual = plan.nodes.map((n) => n.address);
    if (expected.join() === actual.join()) return [];
    return [{ path: awsPath("privateIps"), reason: `the plan's node addresses (${actual.join(", ")}) differ from the AWS layout (${expected.join(", ")})` }];
}
