// Azure behind the cloud seam, plan-only until its component exists: `npm run plan` previews it,
// `pulumi up` refuses it.

import { CLOUDS } from "../../catalog/index";
import { checkClusterNetwork, clusterAddresses, type SubnetRules } from "../../plan/addresses";
import { at } from "../../plan/paths";
import type { CloudAdapter } from "../adapter";
import { chooseInstanceType, listCostPerHour, namedInstanceTypeProblems } from "../catalog-choice";
import { plannedAzureHooks } from "../planned-hooks";
import { azureSchema, type AzureConfig } from "./schema";

// Azure reserves the first four addresses and the last of every subnet (Azure VNet FAQ).
const AZURE_SUBNETS: SubnetRules = {
    cloudName: "Azure", defaultSubnetCidr: CLOUDS.azure.defaultSubnetCidr!, firstHostOffset: CLOUDS.azure.firstHostOffset,
    reservedLow: 4, reservedHigh: 1, minPrefix: 8, maxPrefix: 29,
};
const azurePath = (field: string): string => at("azure", ...field.split("."));

export const azureAdapter: CloudAdapter<typeof azureSchema> = {
    id: "azure",
    schema: azureSchema,
    stackKeys: { region: "azure-native:location", others: [] },
    instanceType: (block, gpu) => chooseInstanceType("azure", block?.vmSize, gpu),
    check: (block, ctx) => [
        ...namedInstanceTypeProblems("azure", block?.vmSize, ctx.gpu, azurePath("vmSize")),
        ...checkClusterNetwork(block ?? {}, ctx.nodes, AZURE_SUBNETS, azurePath),
    ],
    place(block, ctx) {
        const azure: AzureConfig = block ?? {};
        return {
            placement: {
                instanceType: chooseInstanceType("azure", azure.vmSize, ctx.gpu)!.name,
                zone: null,
                network: { id: null, subnetId: null, subnetCidr: azure.subnetCidr ?? AZURE_SUBNETS.defaultSubnetCidr, cidr: null },
                allowedCidrs: azure.allowedCidrs ?? [],
                capacity: { type: "on-demand", reservation: null },
                settings: azure,
            },
            addresses: clusterAddresses(azure, ctx.nodes, AZURE_SUBNETS)!,
        };
    },
    costPerHour: (placement, nodes) => listCostPerHour("azure", placement, nodes),
    boot: { ephemeralMounts: [], userDataLimitBytes: Math.floor((64 * 1024) / 4) * 3 }, // customData: 64 KB once base64-encoded.
    plannedHooks: plannedAzureHooks,
};
