// GCP behind the cloud seam.

import { CLOUDS } from "../../catalog/index";
import { checkClusterNetwork, clusterAddresses, type SubnetRules } from "../../plan/addresses";
import { at } from "../../plan/paths";
import type { CloudAdapter } from "../adapter";
import { chooseInstanceType, listCostPerHour, namedInstanceTypeProblems } from "../catalog-choice";
import { plannedGcpHooks } from "../planned-hooks";
import { gcpSchema, type GcpConfig } from "./schema";

export const GCP_PROJECT_KEY = "gcp:project";
export const GCP_REGION_KEY = "gcp:region";

// GCP reserves the network and gateway addresses and the last two of every subnet (VPC docs,
// "Reserved IPv4 addresses in a subnet"); primary ranges are /8 to /29.
const GCP_SUBNETS: SubnetRules = {
    cloudName: "GCP", defaultSubnetCidr: CLOUDS.gcp.defaultSubnetCidr!, firstHostOffset: CLOUDS.gcp.firstHostOffset,
    reservedLow: 2, reservedHigh: 2, minPrefix: 8, maxPrefix: 29,
};
export const gcpPath = (field: string): string => at("gcp", ...field.split("."));

export const gcpAdapter: CloudAdapter<typeof gcpSchema> = {
    id: "gcp",
    schema: gcpSchema,
    stackKeys: { region: GCP_REGION_KEY, others: [GCP_PROJECT_KEY] },
    instanceType: (block, gpu) => chooseInstanceType("gcp", block?.machineType, gpu),
    check: (block, ctx) => [
        ...namedInstanceTypeProblems("gcp", block?.machineType, ctx.gpu, gcpPath("machineType")),
        ...checkClusterNetwork(block ?? {}, ctx.nodes, GCP_SUBNETS, gcpPath),
    ],
    place(block, ctx) {
        const gcp: GcpConfig = block ?? {};
        return {
            placement: {
                instanceType: chooseInstanceType("gcp", gcp.machineType, ctx.gpu)!.name,
                zone: gcp.zone ?? null,
                network: { id: null, subnetId: null, subnetCidr: gcp.subnetCidr ?? GCP_SUBNETS.defaultSubnetCidr, cidr: null },
                allowedCidrs: gcp.allowedCidrs ?? [],
                capacity: { type: "on-demand", reservation: null },
                settings: { ...gcp, project: ctx.settings[GCP_PROJECT_KEY] ?? null },
            },
            addresses: clusterAddresses(gcp, ctx.nodes, GCP_SUBNETS)!,
        };
    },
    costPerHour: (placement, nodes) => listCostPerHour("gcp", placement, nodes),
    boot: { ephemeralMounts: [] },
    plannedHooks: (plan, opts) => plannedGcpHooks(plan, { ...opts, project: (plan.placement.settings.project as string | null) ?? null }),
};
