// Machines the user already has, behind the cloud seam: plan-only until its component exists.

import { rankAddressesProblems } from "../../plan/addresses";
import { at } from "../../plan/paths";
import type { CloudAdapter } from "../adapter";
import { plannedHostsHooks } from "../planned-hooks";
import { hostsSchema } from "./schema";

export const hostsAdapter: CloudAdapter<typeof hostsSchema> = {
    id: "hosts",
    schema: hostsSchema,
    stackKeys: { region: null, others: [] },
    instanceType: () => null,
    check(hosts, ctx) {
        if (hosts === undefined) return [{ path: at("hosts"), reason: "cloud: hosts needs hosts.addresses, the private IPv4 of each machine, rank 0 first" }];
        const problems = rankAddressesProblems(hosts.addresses, (i) => at("hosts", "addresses", i));
        if (hosts.addresses.length !== ctx.nodes) {
            problems.push({ path: at("hosts", "addresses"), reason: `lists ${hosts.addresses.length} address(es) but the cluster has ${ctx.nodes} node(s)` });
        }
        return problems;
    },
    place: (hosts) => ({
        placement: {
            instanceType: null,
            zone: null,
            network: { id: null, subnetId: null, subnetCidr: null, cidr: null },
            allowedCidrs: [],
            capacity: { type: "on-demand", reservation: null },
            settings: hosts!,
        },
        addresses: [...hosts!.addresses],
    }),
    // RoCE/InfiniBand hosts name their own GID index (SGLang README: NCCL_IB_GID_INDEX=3 on RoCE).
    nodeEnv: (hosts): Record<string, string> => (hosts?.ibGidIndex !== undefined ? { NCCL_IB_GID_INDEX: String(hosts.ibGidIndex) } : {}),
    costPerHour: () => null,
    boot: { ephemeralMounts: [] },
    plannedHooks: plannedHostsHooks,
};
