// HostsServingCluster: a ServingPlan on machines the user already has, over SSH with @pulumi/command.
// Per rank, a preflight (read-only; every install waits for every preflight, so an unfit host stops
// the deployment before any host changes), then one install command whose update rewrites what
// changed and restarts once, and whose delete removes the pipeline. Follows the pulumi-eks/awsx
// component conventions (pulumi-style.md).

import * as pulumi from "@pulumi/pulumi";
import * as remote from "@pulumi/command/remote";
import * as random from "@pulumi/random";
import { HOSTS_STATUS_DIR } from "../planned-hooks";
import type { ServingClusterArgs, ServingClusterOutputs } from "../adapter";
import { SSH_KEY_KEY } from "../../intent/keys";
import type { ServingPlan } from "../../plan/types";
import { bundleDigest, bundleEntries, destroyCommand, hostStdin, installCommand, preflightScript } from "./commands";
import { reachCommands, sshTarget } from "./reach";
import type { HostsConfig } from "./schema";
import { validateHostsCluster } from "./validate";

export const HOSTS_SERVING_CLUSTER_TYPE = "deepseek-sglang:index:HostsServingCluster";
/** API key length: 48 alphanumerics (~285 bits), safe in a header and a shell word (as on AWS). */
export const API_KEY_LENGTH = 48;

export interface HostsServingClusterArgs {
    /**
     * The decided deployment (`planFromConfig`) of `cloud: hosts`: rank addresses, argv, image, and
     * the checked `hosts:` block in `plan.placement.settings`. Plain: it decides which commands exist.
     */
    plan: ServingPlan;
    /** OpenSSH private key that logs in to every host (and the bastion), a secret. */
    sshPrivateKey: pulumi.Input<string>;
    /** Hugging Face token, placed on every host as a root-only file. Defaults to none (public model). */
    hfToken?: pulumi.Input<string>;
}

/**
 * Serves a ServingPlan on existing hosts: preflights every host over SSH, copies the boot pipeline
 * src/boot renders (scripts, units, boot.env, node.json) to each, places the HF token and a generated
 * API key as root-only files, and starts the pipeline's systemd target.
 */
export class HostsServingCluster extends pulumi.ComponentResource implements ServingClusterOutputs {
    /** `http://<rank 0 address>:<port>`: SGLang's OpenAI-compatible API, behind the API key. */
    public readonly endpoint: pulumi.Output<string>;
    /** The generated API key (a secret): send it as `Authorization: Bearer <key>`. */
    public readonly apiKey: pulumi.Output<string>;
    /** `user@host` each rank is reached at over SSH, rank 0 first. */
    public readonly nodeIds: pulumi.Output<string[]>;
    /** The plan's addresses, rank 0 first. */
    public readonly nodeAddresses: pulumi.Output<string[]>;
    /** Directory on each host where it keeps its own `rank-N.json` (logCommands' `status` reads it). */
    public readonly statusLocation: pulumi.Output<string>;
    /** Always null: the machines are the user's. */
    public readonly costPerHour: pulumi.Output<number | null>;
    /** Per rank: the ssh command that tails each stage's journal, and `status`, which prints its record. */
    public readonly logCommands: pulumi.Output<Record<string, Record<string, string>>>;
    /** What each rank's preflight found (GPUs, driver, docker, disk, RDMA, interface, clock). */
    public readonly preflight: pulumi.Output<string[]>;

    /**
     * @param name The _unique_ name of this component; it prefixes every child.
     * @param args The plan, the SSH key and the Hugging Face token.
     * @param opts A bag of options that control this component's behavior.
     */
    constructor(name: string, args: HostsServingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(HOSTS_SERVING_CLUSTER_TYPE, name, {}, opts);
        const plan = args.plan;
        const hosts = validateHostsCluster(plan);
        const parent = this;
        const sshKey = pulumi.secret(args.sshPrivateKey);
        const hfToken = args.hfToken === undefined ? undefined : pulumi.secret(args.hfToken);
        const password = new random.RandomPassword(`${name}-api-key`, { length: API_KEY_LENGTH, special: false }, { parent });
        const apiKey = pulumi.secret(password.result);
        const ranks = plan.nodes.map((n) => n.rank);

        const preflights = ranks.map((rank) => {
            const pf = preflightScript(plan, rank, hosts);
            return new remote.Command(`${name}-rank-${rank}-preflight`, {
                connection: connectionOf(hosts, rank, sshKey),
                create: pf.command,
                stdin: pf.stdin,
                // Runs again before any change to this rank's install: the host is checked for the new plan.
                triggers: [bundleDigest(plan, rank, hosts, hfToken !== undefined)],
                addPreviousOutputInEnv: false,
            }, { parent });
        });

        const installs = ranks.map((rank) => {
            const stdin = pulumi
                .all([apiKey, hfToken ?? pulumi.output(undefined)])
                .apply(([key, token]) => hostStdin(bundleEntries(plan, rank, { apiKey: key, hfToken: token })));
            return new remote.Command(`${name}-rank-${rank}-install`, {
                connection: connectionOf(hosts, rank, sshKey),
                create: installCommand(plan, rank, hosts),
                update: installCommand(plan, rank, hosts),
                delete: destroyCommand(plan, rank, hosts),
                // Holds the secrets: a Pulumi secret in state, never in argv or logs.
                stdin: pulumi.secret(stdin),
                triggers: [bundleDigest(plan, rank, hosts, hfToken !== undefined)],
                addPreviousOutputInEnv: false,
            }, { parent, dependsOn: preflights, deleteBeforeReplace: true });
        });

        const rank0 = plan.nodes[0]!;
        this.endpoint = pulumi.all(installs.map((i) => i.stdout)).apply(() => `http://${rank0.address}:${plan.ports.http}`);
        this.apiKey = apiKey;
        this.nodeIds = pulumi.output(ranks.map((rank) => sshTarget(hosts, rank)));
        this.nodeAddresses = pulumi.output(plan.nodes.map((n) => n.address));
        this.statusLocation = pulumi.output(HOSTS_STATUS_DIR);
        this.costPerHour = pulumi.output(null);
        this.logCommands = pulumi.output(reachCommands(plan, hosts));
        this.preflight = pulumi.all(preflights.map((p) => p.stdout));

        this.registerOutputs({
            endpoint: this.endpoint,
            apiKey: this.apiKey,
            nodeIds: this.nodeIds,
            nodeAddresses: this.nodeAddresses,
            statusLocation: this.statusLocation,
            costPerHour: this.costPerHour,
            logCommands: this.logCommands,
            preflight: this.preflight,
        });
    }
}

/** How Pulumi reaches a rank: its SSH address, user, port, pinned host key, and the bastion if any. */
export function connectionOf(hosts: HostsConfig, rank: number, privateKey: pulumi.Input<string>): remote.CommandArgs["connection"] {
    const ssh = hosts.ssh ?? {};
    const bastion = ssh.bastion;
    return {
        host: ssh.hosts?.[rank] ?? hosts.addresses[rank]!,
        port: ssh.port ?? 22,
        user: ssh.user ?? "root",
        privateKey,
        ...(ssh.hostKeys ? { hostKey: ssh.hostKeys[rank]! } : {}),
        ...(bastion
            ? { proxy: { host: bastion.host, port: bastion.port ?? 22, user: bastion.user ?? ssh.user ?? "root", privateKey, ...(bastion.hostKey ? { hostKey: bastion.hostKey } : {}) } }
            : {}),
    };
}

/** The registry's factory: the SSH key comes from the stack's secret `deepseek-sglang:sshPrivateKey`. */
export function hostsServingCluster(name: string, args: ServingClusterArgs, opts?: pulumi.ComponentResourceOptions): ServingClusterOutputs {
    const [namespace, key] = SSH_KEY_KEY.split(":") as [string, string];
    const sshPrivateKey = new pulumi.Config(namespace).getSecret(key);
    if (sshPrivateKey === undefined) {
        throw new pulumi.RunError(`${SSH_KEY_KEY}: missing: the key that logs in to every host; run \`pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519\`; nothing was created`);
    }
    return new HostsServingCluster(name, { plan: args.plan, sshPrivateKey, hfToken: args.hfToken }, opts);
}
