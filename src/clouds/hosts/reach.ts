// How an operator reaches each host: the OpenSSH command lines (through the bastion when there is
// one) that tail a boot stage's journal or print the rank's status record. Pure.

import { unitsFor } from "../../boot/render";
import type { ServingPlan } from "../../plan/types";
import { HOSTS_STATUS_DIR } from "../planned-hooks";
import { shellQuote, sshUser } from "./commands";
import type { HostsConfig } from "./schema";

/** `user@host` of a rank as SSH reaches it. */
export function sshTarget(hosts: HostsConfig, rank: number): string {
    return `${sshUser(hosts)}@${hosts.ssh?.hosts?.[rank] ?? hosts.addresses[rank]!}`;
}

/** `ssh [-J bastion] [-p port] user@host -- <remote command>`; the remote command runs as root. */
export function sshCommand(hosts: HostsConfig, rank: number, remote: string): string {
    const ssh = hosts.ssh ?? {};
    const b = ssh.bastion;
    const jump = b ? ["-J", `${b.user ?? sshUser(hosts)}@${b.host}${b.port ? `:${b.port}` : ""}`] : [];
    const port = ssh.port && ssh.port !== 22 ? ["-p", String(ssh.port)] : [];
    const asRoot = sshUser(hosts) === "root" ? remote : `sudo ${remote}`;
    return ["ssh", ...jump, ...port, sshTarget(hosts, rank), "--", shellQuote(asRoot)].join(" ");
}

/** Per rank: each stage unit's `journalctl -f`, and `status`, which prints the rank's record. */
export function reachCommands(plan: ServingPlan, hosts: HostsConfig): Record<string, Record<string, string>> {
    return Object.fromEntries(plan.nodes.map(({ rank }) => [
        `rank-${rank}`,
        {
            ...Object.fromEntries(unitsFor(plan, rank).map((unit) => [unit, sshCommand(hosts, rank, `journalctl -u ${unit} -f --no-pager`)])),
            status: sshCommand(hosts, rank, `cat ${HOSTS_STATUS_DIR}/rank-${rank}.json`),
        },
    ]));
}
