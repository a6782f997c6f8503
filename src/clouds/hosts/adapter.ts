// Machines the user already has, behind the cloud seam: the pure half (schema, checks, placement,
// the container env `hosts.interface` and `hosts.ibGidIndex` decide, boot hooks, preview mocks) and
// the Pulumi half (HostsServingCluster over SSH), loaded on first use.

import type { CloudAdapter, ServingClusterFactory } from "../adapter";
import { plannedHostsHooks } from "../planned-hooks";
import { SSH_KEY_KEY } from "../../intent/keys";
import { hostsPreviewMocks, PREVIEW_API_KEY, PREVIEW_SSH_KEY } from "./preview-mocks";
import { hostsSchema, type HostsConfig } from "./schema";
import { hostsProblems } from "./validate";

/** Container env a hosts block decides: NCCL/Gloo on the named interface, the RoCE GID index. */
export function hostsNodeEnv(hosts: HostsConfig | undefined): Record<string, string> {
    const env: Record<string, string> = {};
    // Gloo takes one concrete interface name, NCCL the same (sglang-facts §7.2 items 4-5).
    if (hosts?.interface) Object.assign(env, { NCCL_SOCKET_IFNAME: hosts.interface, GLOO_SOCKET_IFNAME: hosts.interface });
    // RoCE/InfiniBand hosts name their own GID index (SGLang README: NCCL_IB_GID_INDEX=3 on RoCE).
    if (hosts?.ibGidIndex !== undefined) env.NCCL_IB_GID_INDEX = String(hosts.ibGidIndex);
    return env;
}

export const hostsAdapter: CloudAdapter<typeof hostsSchema> = {
    id: "hosts",
    schema: hostsSchema,
    stackKeys: { region: null, others: [] },
    instanceType: () => null,
    check: (hosts, ctx) => hostsProblems(hosts, ctx.nodes),
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
    nodeEnv: hostsNodeEnv,
    costPerHour: () => null,
    boot: { ephemeralMounts: [], userDataLimitBytes: 16 * 1024 * 1024 }, // Files copied over SSH: only a sanity bound.
    plannedHooks: plannedHostsHooks,
    preview: {
        mocks: (_config, record) => hostsPreviewMocks(record),
        config: { [SSH_KEY_KEY]: PREVIEW_SSH_KEY },
        placeholders: {
            [PREVIEW_SSH_KEY]: "SSH private key: pulumi up uses the stack's secret deepseek-sglang:sshPrivateKey",
            [PREVIEW_API_KEY]: "API key: pulumi up generates it (random.RandomPassword) and keeps it a secret",
        },
    },
    component: () => (require("./cluster") as typeof import("./cluster")).hostsServingCluster as ServingClusterFactory,
};
