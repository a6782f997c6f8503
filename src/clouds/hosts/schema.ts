// The `hosts:` block of the cluster config (deepseek-sglang:cluster.hosts): machines the user already has.

import { z } from "zod";
import { ipv4 } from "../../spec/fields";

export const hostsSchema = z.strictObject({
    /** Private IPv4 address of each machine, rank 0 first. */
    addresses: z.array(ipv4).min(1),
    /** Network interface NCCL and Gloo use; default: the one that carries the address. */
    interface: z.string().optional(),
    /** RoCE/InfiniBand GID index (SGLang README: NCCL_IB_GID_INDEX=3 on RoCE). */
    ibGidIndex: z.number().int().min(0).optional(),
});

export type HostsConfig = z.infer<typeof hostsSchema>;
