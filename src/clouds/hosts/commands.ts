// The remote commands the hosts component runs over SSH, as plain text: the command line Pulumi's
// remote.Command sends, and its stdin. Pure (no Pulumi import), so the sshd sandbox tests run exactly
// these strings against real sshd "hosts". The scripts are real files next to this module.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bootFiles, bytesNeeded, dataRootOf, TARGET_UNIT, unitsFor } from "../../boot/render";
import type { ServingPlan } from "../../plan/types";
import type { HostsConfig } from "./schema";
import { HOSTS_STATUS_DIR, plannedHostsHooks } from "../planned-hooks";

export const HOSTS_SCRIPTS_DIR = join(__dirname, "scripts");
/** Where host.sh keeps what it installed (manifest, digest, directories it created). Root-only. */
export const HOSTS_INSTALL_STATE_DIR = "/var/lib/deepseek-sglang/install";
/** A catalog GPU counts as present when the driver reports at least this share of its memory. */
const MEMORY_TOLERANCE = 0.95;

/** One remote command: the line sshd runs, and what it reads on stdin. */
export interface RemoteScript {
    command: string;
    stdin: string;
}

/** What travels to the host as root-only files, by file name under HOSTS_SECRETS_DIR. */
export interface HostSecrets {
    hfToken?: string;
    apiKey?: string;
}

/** POSIX shell single-quoting: the remote login shell gets each argument back verbatim. */
export function shellQuote(word: string): string {
    return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function script(name: string): string {
    return readFileSync(join(HOSTS_SCRIPTS_DIR, name), "utf8");
}

/** `bash -s -- ARGS` (under `sudo -n` for a non-root user): the script itself arrives on stdin. */
function commandLine(args: string[], user: string): string {
    const line = ["bash", "-s", "--", ...args].map(shellQuote).join(" ");
    return user === "root" ? line : `sudo -n ${line}`;
}

export function sshUser(hosts: HostsConfig): string {
    return hosts.ssh?.user ?? "root";
}

/** `rank-0 (10.0.0.1)`: how every refusal and log line names a host. */
export function hostLabel(plan: ServingPlan, rank: number): string {
    return `rank-${rank} (${plan.nodes[rank]!.address})`;
}

/** The preflight's KEY=VALUE arguments: what this host must have for this plan. */
export function preflightArgs(plan: ServingPlan, rank: number, hosts: HostsConfig): string[] {
    const node = plan.nodes[rank]!;
    const multiHost = plan.nodes.length > 1;
    const args: Record<string, string> = {
        host: hostLabel(plan, rank),
        vendor: plan.gpu.vendor,
        gpu: plan.gpu.id,
        count: String(plan.row.gpusPerNode),
        memmib: String(Math.floor(plan.gpu.memoryMiB * MEMORY_TOLERANCE)),
        driver: plan.sglang.minNvidiaDriver === null ? "" : String(plan.sglang.minNvidiaDriver),
        // The plan picks the release's ROCm build for the GPU's architecture (the -mi30x images: gfx942).
        gfx: plan.gpu.vendor === "amd" ? plan.gpu.arch : "",
        need: String(bytesNeeded(plan)),
        dataroot: dataRootOf(plan),
        address: node.address,
        iface: hosts.interface ?? "",
        rdma: multiHost && hosts.rdma !== false ? "1" : "0",
        gid: hosts.ibGidIndex === undefined ? "" : String(hosts.ibGidIndex),
    };
    return Object.entries(args).map(([k, v]) => `${k}=${v}`);
}

export function preflightScript(plan: ServingPlan, rank: number, hosts: HostsConfig): RemoteScript {
    return { command: commandLine(preflightArgs(plan, rank, hosts), sshUser(hosts)), stdin: script("preflight.sh") };
}

function hostArgs(plan: ServingPlan, rank: number, hosts: HostsConfig): string[] {
    return [
        `target=${TARGET_UNIT}`,
        `units=${unitsFor(plan, rank).join(" ")}`,
        `state=${HOSTS_INSTALL_STATE_DIR}`,
        `status=${HOSTS_STATUS_DIR}`,
        `dataroot=${dataRootOf(plan)}`,
        `remove-weights=${hosts.removeWeightsOnDestroy ? 1 : 0}`,
    ];
}

export function installCommand(plan: ServingPlan, rank: number, hosts: HostsConfig): string {
    return commandLine(["install", ...hostArgs(plan, rank, hosts)], sshUser(hosts));
}

export function destroyCommand(plan: ServingPlan, rank: number, hosts: HostsConfig): string {
    return commandLine(["destroy", ...hostArgs(plan, rank, hosts)], sshUser(hosts));
}

interface BundleEntry {
    kind: "file" | "secret";
    mode: string;
    path: string;
    content: string;
}

/**
 * What one rank gets: exactly the files src/boot renders for it (the same scripts, units, boot.env
 * and node.json as cloud-init writes on a cloud), plus its secrets. Only rank 0 serves the API, so
 * only rank 0 gets the API key.
 */
export function bundleEntries(plan: ServingPlan, rank: number, secrets: HostSecrets): BundleEntry[] {
    // The component follows the naming contract the offline preview renders (planned-hooks.ts).
    const hooks = plannedHostsHooks(plan, { hfToken: secrets.hfToken !== undefined });
    const entries: BundleEntry[] = bootFiles(plan, rank, hooks).map((f) => ({ kind: "file", mode: f.permissions, path: f.path, content: f.content }));
    if (hooks.secrets.hfToken && secrets.hfToken !== undefined) entries.push({ kind: "secret", mode: "0600", path: hooks.secrets.hfToken, content: secrets.hfToken });
    if (rank === 0 && secrets.apiKey !== undefined) entries.push({ kind: "secret", mode: "0600", path: hooks.secrets.apiKey, content: secrets.apiKey });
    return entries;
}


/**
 * host.sh followed by the generated tail: the bundle as a quoted here-document (base64, so no byte
 * of a file or secret is ever interpreted by the shell) and the call of main.
 */
export function hostStdin(entries: BundleEntry[]): string {
    // One base64 line per entry: host.sh reads each entry with three `read`s, fast even in bash.
    const body = entries.map((e) => `${e.kind} ${e.mode} ${e.path}\n${Buffer.from(e.content, "utf8").toString("base64")}\nend`).join("\n");
    return `${script("host.sh")}\ndsboot_bundle() {\n  cat <<'DSBOOT_BUNDLE'\n${body}\nDSBOOT_BUNDLE\n}\n\nmain\n`;
}

/**
 * Digest of what a rank's install would place, secrets excluded: a plain trigger that changes
 * exactly when the plan's files for that rank change (the secrets change the secret stdin).
 */
export function bundleDigest(plan: ServingPlan, rank: number, hosts: HostsConfig, hfToken: boolean): string {
    const files = bundleEntries(plan, rank, hfToken ? { hfToken: "" } : {}).filter((e) => e.kind === "file").map((e) => `${e.mode} ${e.path}\n${e.content}`).join("\n");
    return createHash("sha256").update(`${installCommand(plan, rank, hosts)}\n${files}`).digest("hex");
}
