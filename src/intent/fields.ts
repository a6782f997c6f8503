// Field schemas several config blocks share (the cluster block and each cloud's block).

import { z } from "zod";

export const positiveInt = z.number().int().positive();
export const cidr = z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.42.0.0/24");
export const ipv4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, "must be an IPv4 address (SGLang's dist-init does not connect over IPv6, issue #7478)");

/** The cluster network every cloud lays out the same way: a subnet, fixed node IPs, the API allow-list. */
export const clusterNetworkFields = {
    subnetCidr: cidr.optional().describe("CIDR of the nodes' subnet (with your own network, that subnet's CIDR); default: the first /24 of the cluster network."),
    privateIps: z.array(ipv4).optional().describe("Fixed private IPs, one per rank, rank 0 first; default: consecutive hosts of the subnet."),
    allowedCidrs: z.array(cidr).optional().describe("CIDRs allowed to reach the API port; the cluster's own network is always allowed."),
    allowPublicCidr: z.boolean().optional().describe("Explicit opt-in to allow 0.0.0.0/0 in allowedCidrs."),
};
