// The `hosts:` block of the cluster config (deepseek-sglang:cluster.hosts): machines the user already
// has, reached over SSH with the secret `deepseek-sglang:sshPrivateKey`.

import { z } from "zod";
import { ipv4 } from "../../intent/fields";

const port = z.number().int().min(1).max(65535);
const user = z.string().regex(/^[a-z_][a-z0-9_.-]*$/, "must be a Unix user name");
const sshHostKey = z
    .string()
    .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/, 'must be an OpenSSH public host key line such as "ssh-ed25519 AAAA..." (ssh-keyscan prints them)');

export const hostsSchema = z.strictObject({
    addresses: z.array(ipv4).min(1).describe("Private IPv4 address of each machine, rank 0 first."),
    interface: z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/, "must be a network interface name such as eth0 or ens5f0np0").optional().describe("Network interface NCCL and Gloo use; default: the one that carries the address."),
    ibGidIndex: z.number().int().min(0).optional().describe("RoCE/InfiniBand GID index (SGLang README: NCCL_IB_GID_INDEX=3 on RoCE)."),
    rdma: z.boolean().optional().describe("Multi-host groups need an ACTIVE InfiniBand/RoCE port on every host; `false` accepts TCP sockets. Default true."),
    removeWeightsOnDestroy: z.boolean().optional().describe("`pulumi destroy` also deletes the downloaded weights and caches. Default false (they are kept)."),
    ssh: z
        .strictObject({
            user: user.optional().describe("Login user: root, or a user with passwordless sudo. Default root."),
            port: port.optional().describe("Default 22."),
            hosts: z.array(z.string().min(1)).optional().describe("Address or DNS name to SSH to, one per rank; default: `addresses`."),
            hostKeys: z.array(sshHostKey).optional().describe("Each machine's public host key, one per rank, checked on connect. Default: not checked."),
            bastion: z
                .strictObject({
                    host: z.string().min(1).describe("Address or DNS name of the jump host."),
                    user: user.optional().describe("Default: the hosts' user."),
                    port: port.optional().describe("Default 22."),
                    hostKey: sshHostKey.optional().describe("The jump host's public host key, checked on connect. Default: not checked."),
                })
                .optional().describe("A jump host between Pulumi and the machines, reached with the same key."),
        })
        .optional().describe("How Pulumi reaches each machine over SSH."),
});

export type HostsConfig = z.infer<typeof hostsSchema>;
