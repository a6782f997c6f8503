// The `gcp:` block of the cluster config (deepseek-sglang:cluster.gcp).

import { z } from "zod";
import { clusterNetworkFields } from "../../spec/fields";

export const gcpSchema = z.strictObject({
    zone: z.string().optional(),
    machineType: z.string().optional(),
    ...clusterNetworkFields,
});

export type GcpConfig = z.infer<typeof gcpSchema>;
