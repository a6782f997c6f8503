// The hosts block's checks that need the node count, and the component's own guard. Pure.

import { rankAddressesProblems } from "../../plan/addresses";
import { at } from "../../plan/paths";
import type { Problem, ServingPlan } from "../../plan/types";
import type { HostsConfig } from "./schema";

/** Every problem with the `hosts:` block for a cluster of `nodes` machines. */
export function hostsProblems(hosts: HostsConfig | undefined, nodes: number): Problem[] {
    if (hosts === undefined) return [{ path: at("hosts"), reason: "cloud: hosts needs hosts.addresses, the private IPv4 of each machine, rank 0 first" }];
    // Each address a usable unicast IPv4, none twice (the cloud-neutral check).
    const problems: Problem[] = rankAddressesProblems(hosts.addresses, (i) => at("hosts", "addresses", i));
    const perRank = (list: unknown[] | undefined, path: string[], what: string) => {
        if (list !== undefined && list.length !== nodes) problems.push({ path: at(...path), reason: `lists ${list.length} ${what} but the cluster has ${nodes} node(s)` });
    };
    perRank(hosts.addresses, ["hosts", "addresses"], "address(es)");
    perRank(hosts.ssh?.hosts, ["hosts", "ssh", "hosts"], "SSH host(s)");
    perRank(hosts.ssh?.hostKeys, ["hosts", "ssh", "hostKeys"], "host key(s)");
    return problems;
}

export class HostsConfigError extends Error {}

/** The component's guard: a plan of cloud hosts whose block passes the checks. Returns the block. */
export function validateHostsCluster(plan: ServingPlan): HostsConfig {
    if (plan.cloud !== "hosts") throw new HostsConfigError(`HostsServingCluster serves cloud: hosts plans; this plan is for ${plan.cloud}`);
    const hosts = plan.placement.settings as HostsConfig;
    const problems = hostsProblems(hosts, plan.nodes.length);
    if (problems.length > 0) throw new HostsConfigError(problems.map((p) => `${p.path}: ${p.reason}`).join("\n"));
    return hosts;
}
