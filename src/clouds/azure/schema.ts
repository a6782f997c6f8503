// The `azure:` block of the cluster config (deepseek-sglang:cluster.azure).

import { z } from "zod";
import { clusterNetworkFields } from "../../intent/fields";

export const azureSchema = z.strictObject({
    vmSize: z.string().optional().describe("Azure VM size; default: the catalog's preferred one for the GPU."),
    ...clusterNetworkFields,
});

export type AzureConfig = z.infer<typeof azureSchema>;
