// What AWS would refuse at RunInstances, asked before anything bills: the account's running
// On-Demand (or Spot) vCPU quota for the type's family (Service Quotas). Capacity Blocks do not
// count against On-Demand vCPU limits (cloud-facts §1.5 [S8]), and a targeted reservation was
// paid for already, so both skip the check.

import * as pulumi from "@pulumi/pulumi";
import * as servicequotas from "@pulumi/aws/servicequotas";
import type { InstanceType } from "../../catalog/index";
import type { Placement } from "../../plan/types";
import { awsPath } from "./checks";
import { AwsConfigError } from "./validate";

/** EC2 vCPU quotas by instance family letter and market (cloud-facts §1.5 quota table [S18]). */
export const VCPU_QUOTAS: Record<string, { onDemand: { code: string; name: string }; spot: { code: string; name: string } }> = {
    p: { onDemand: { code: "L-417A185B", name: "Running On-Demand P instances" }, spot: { code: "L-7212CCBC", name: "All P Spot Instance Requests" } },
    g: { onDemand: { code: "L-DB2E81BA", name: "Running On-Demand G and VT instances" }, spot: { code: "L-3819A6DF", name: "All G and VT Spot Instance Requests" } },
};

/** The quota a cluster of `nodes` such instances draws on, and the vCPUs it needs; null when none applies. */
export function vcpuQuotaFor(type: InstanceType, nodes: number, capacity: Placement["capacity"]["type"]): { code: string; name: string; needed: number } | null {
    if (capacity !== "on-demand" && capacity !== "spot") return null;
    const family = VCPU_QUOTAS[type.name[0]!];
    if (!family) return null;
    const quota = capacity === "spot" ? family.spot : family.onDemand;
    return { ...quota, needed: type.vcpus * nodes };
}

/** The refusal when the quota is short; names the quota, its code, the numbers and what to do. */
export function quotaProblem(q: { code: string; name: string; needed: number }, value: number, type: InstanceType, nodes: number, region: string): AwsConfigError | null {
    if (value >= q.needed) return null;
    return new AwsConfigError([{
        path: awsPath("instanceType"),
        reason: `${nodes} x ${type.name} need ${q.needed} vCPUs, but the account's "${q.name}" quota (${q.code}) in ${region} is ${value}; ` +
            `request an increase in Service Quotas, or use a capacity reservation or Capacity Block (aws.capacity)`,
    }]);
}

/** Resolves when the quota suffices; rejects with AwsConfigError before any node is created. */
export function checkVcpuQuota(parent: pulumi.Resource, type: InstanceType, nodes: number, capacity: Placement["capacity"]["type"], region: string): pulumi.Output<number | null> {
    const q = vcpuQuotaFor(type, nodes, capacity);
    if (!q) return pulumi.output(null);
    return servicequotas.getServiceQuotaOutput({ serviceCode: "ec2", quotaCode: q.code, region }, { parent }).apply((r) => {
        const problem = quotaProblem(q, r.value, type, nodes, region);
        if (problem) throw problem;
        return r.value;
    });
}
