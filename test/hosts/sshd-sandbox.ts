// Sandboxed "existing hosts" for the hosts component: each one is a real OpenSSH sshd in its own
// network namespace (its own address) and its own mount namespace, where /etc, /opt and /var are
// overlays (every write lands in a per-host upper directory), /run and /mnt are fresh tmpfs (the
// data disk's size is the tmpfs size, so `df` reports it for real), /sys/class holds the host's RDMA
// ports, and /usr/local/bin holds the host's stand-ins (systemctl, docker, nvidia-smi, ...). The
// component's commands reach it through the real ssh client, exactly as Pulumi would send them.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RemoteScript } from "../../src/clouds/hosts/commands";
import { createNetns, type Netns } from "../boot/sandbox";

const STANDINS = join(__dirname, "standins", "bin");

export interface RdmaPort {
    device: string;
    port: number;
    linkLayer: "InfiniBand" | "Ethernet";
    state: "4: ACTIVE" | "1: DOWN";
    /** GID table entries by index (RoCE); absent entries do not exist. */
    gids?: Record<number, string>;
}

export interface HostSpec {
    address: string;
    /** nvidia-smi rows: `name, memory MiB, driver`; absent: no nvidia-smi. */
    nvidia?: string[];
    /** amd-smi `static --asic` text; absent: no amd-smi. */
    amd?: string;
    docker?: "ok" | "down" | "missing";
    /** The NVIDIA Container Toolkit (nvidia runtime in docker info, nvidia-ctk). Default true with nvidia. */
    nvidiaToolkit?: boolean;
    /** Size of the data disk (/mnt), as tmpfs takes it: "2T", "100G". */
    disk: string;
    ntp?: "yes" | "no";
    rdma?: RdmaPort[];
    /** /dev/kfd and /dev/dri render nodes (a ROCm host). */
    rocmDevices?: boolean;
}

export interface SandboxHost {
    spec: HostSpec;
    dir: string;
    /** A path as the host sees it (through its sshd's mount namespace). */
    path: (p: string) => string;
    /** Calls the host's systemctl stand-in received, one line each. */
    systemctl: () => string[];
}

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export interface Sandbox {
    hosts: SandboxHost[];
    /** Run one remote command on host i over SSH, as remote.Command would. */
    run: (i: number, script: RemoteScript) => Promise<RunResult>;
    privateKey: string;
    close: () => void;
}

function sh(cmd: string, args: string[]): void {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

function setupScript(dir: string, spec: HostSpec): string {
    const lines = ["set -euo pipefail"];
    for (const d of ["etc", "opt", "var"]) {
        lines.push(`mount -t overlay overlay -o lowerdir=/${d},upperdir=${dir}/upper/${d},workdir=${dir}/work/${d} /${d}`);
    }
    lines.push(
        "mount -t tmpfs -o mode=755 tmpfs /run",
        // A fresh root home: the machine's own ~/.bashrc (pyenv, PATH edits) is no part of a host.
        "mount -t tmpfs -o mode=700 tmpfs /root",
        "mkdir -p -m 755 /run/sshd",
        `mount -t tmpfs -o size=${spec.disk},mode=755 tmpfs /mnt`,
        `mount --bind ${dir}/srv /srv`,
        `mount --bind ${dir}/bin /usr/local/bin`,
        "mount -t tmpfs -o mode=755 tmpfs /sys/class",
        "mkdir -p /sys/class/infiniband",
    );
    for (const p of spec.rdma ?? []) {
        const port = `/sys/class/infiniband/${p.device}/ports/${p.port}`;
        lines.push(`mkdir -p ${port}/gids`, `echo ${p.linkLayer} > ${port}/link_layer`, `echo '${p.state}' > ${port}/state`);
        for (const [i, gid] of Object.entries(p.gids ?? {})) lines.push(`echo ${gid} > ${port}/gids/${i}`);
    }
    if (spec.rocmDevices) {
        // A private /dev with the nodes sshd needs plus ROCm's (as plain char devices).
        lines.push(
            "mount -t tmpfs -o mode=755 tmpfs /dev",
            "ln -s /proc/self/fd /dev/fd",
            "for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0 kfd:1:3; do IFS=: read -r f a b <<<\"$n\"; mknod -m 666 /dev/$f c $a $b; done",
            "mkdir -p /dev/dri && mknod -m 666 /dev/dri/renderD128 c 1 3",
            // The amdgpu module's sysfs directory, as a loaded DKMS driver shows it.
            "mount -t tmpfs -o mode=755 tmpfs /sys/module",
            "mkdir -p /sys/module/amdgpu && echo 6.10.5 > /sys/module/amdgpu/version",
        );
    }
    lines.push(`exec /usr/sbin/sshd -D -e -f ${dir}/ssh/sshd_config`);
    return `${lines.join("\n")}\n`;
}

function writeStandins(dir: string, spec: HostSpec): void {
    const bin = join(dir, "bin");
    const srv = join(dir, "srv", "standin");
    mkdirSync(bin, { recursive: true });
    mkdirSync(srv, { recursive: true });
    const link = (name: string) => symlinkSync(join(STANDINS, name), join(bin, name));
    link("systemctl");
    link("timedatectl");
    writeFileSync(join(srv, "ntp"), `${spec.ntp ?? "yes"}\n`);
    if ((spec.docker ?? "ok") !== "missing") link("docker");
    if (spec.docker === "down") writeFileSync(join(srv, "docker-down"), "");
    const toolkit = spec.nvidia !== undefined && spec.nvidiaToolkit !== false;
    writeFileSync(join(srv, "docker-runtimes"), toolkit ? '{"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}\n' : '{"runc":{"path":"runc"}}\n');
    if (toolkit) link("nvidia-ctk");
    if (spec.nvidia) {
        link("nvidia-smi");
        writeFileSync(join(srv, "nvidia-smi.csv"), `${spec.nvidia.join("\n")}\n`);
    }
    if (spec.amd !== undefined) {
        link("amd-smi");
        writeFileSync(join(srv, "amd-smi-asic.txt"), spec.amd);
    }
}

function sshdConfig(dir: string, address: string): string {
    return [
        "Port 22",
        `ListenAddress ${address}`,
        `HostKey ${dir}/ssh/host_ed25519`,
        `AuthorizedKeysFile ${dir}/ssh/authorized_keys`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PidFile none",
        "UseDNS no",
        "GSSAPIAuthentication no",
        "",
    ].join("\n");
}

async function waitListening(child: ChildProcess, log: () => string): Promise<void> {
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
        if (log().includes("Server listening")) return;
        if (child.exitCode !== null) throw new Error(`sshd exited ${child.exitCode}: ${log()}`);
        await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`sshd did not start: ${log()}`);
}

/** Hosts on one private bridge; the ssh client runs from the bridge's own namespace at .254. */
export async function startSandbox(tag: string, specs: HostSpec[]): Promise<Sandbox> {
    const root = mkdtempSync(join(tmpdir(), "dsboot-hosts-"));
    const netns: Netns | null = createNetns(tag, specs.map((s) => s.address));
    if (!netns) throw new Error("the hosts sandbox needs root and network namespaces (ip netns); run the tests as root");
    const hub = `${tag}-hub`;
    const children: ChildProcess[] = [];
    const close = () => {
        for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
        netns.destroy();
        rmSync(root, { recursive: true, force: true });
    };
    try {
        const gateway = specs[0]!.address.replace(/\.\d+$/, ".254");
        sh("ip", ["-n", hub, "addr", "add", `${gateway}/24`, "dev", "br0"]);
        sh("ip", ["-n", hub, "link", "set", "lo", "up"]);
        const key = join(root, "id_ed25519");
        sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
        const hosts: SandboxHost[] = [];
        for (const [i, spec] of specs.entries()) {
            const dir = join(root, `host-${i}`);
            for (const d of ["etc", "opt", "var"]) {
                mkdirSync(join(dir, "upper", d), { recursive: true });
                mkdirSync(join(dir, "work", d), { recursive: true });
            }
            mkdirSync(join(dir, "ssh"), { recursive: true });
            sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "ssh", "host_ed25519")]);
            writeFileSync(join(dir, "ssh", "authorized_keys"), readFileSync(`${key}.pub`));
            writeFileSync(join(dir, "ssh", "sshd_config"), sshdConfig(dir, spec.address));
            writeStandins(dir, spec);
            writeFileSync(join(dir, "setup.sh"), setupScript(dir, spec));
            chmodSync(join(dir, "setup.sh"), 0o755);
            const child = spawn("ip", ["netns", "exec", netns.names[i]!, "unshare", "--mount", "--propagation", "private", "bash", join(dir, "setup.sh")], { stdio: ["ignore", "ignore", "pipe"] });
            children.push(child);
            let log = "";
            child.stderr.on("data", (d) => (log += d));
            await waitListening(child, () => log);
            const pid = child.pid!;
            hosts.push({
                spec,
                dir,
                path: (p) => `/proc/${pid}/root${p}`,
                systemctl: () => {
                    const f = join(dir, "srv", "standin", "systemctl.log");
                    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
                },
            });
        }
        const run = (i: number, script: RemoteScript) =>
            new Promise<RunResult>((resolve) => {
                // curve25519-sha256: what @pulumi/command (Go's x/crypto/ssh) settles on with this OpenSSH; the
                // client's own first choice, sntrup761x25519, costs far more CPU per connection.
                const ssh = ["-F", "/dev/null", "-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "GSSAPIAuthentication=no", "-o", "ControlMaster=no", "-o", "KexAlgorithms=curve25519-sha256"];
                const child = spawn("ip", ["netns", "exec", hub, "ssh", ...ssh, `root@${specs[i]!.address}`, script.command], { stdio: ["pipe", "pipe", "pipe"] });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d) => (stdout += d));
                child.stderr.on("data", (d) => (stderr += d));
                const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
                child.on("close", (code) => {
                    clearTimeout(timer);
                    resolve({ code, stdout, stderr });
                });
                child.stdin.end(script.stdin);
            });
        return { hosts, run, privateKey: readFileSync(key, "utf8"), close };
    } catch (e) {
        close();
        throw e;
    }
}

/**
 * Every file a host's writes could have touched (the overlays' upper directories, /run, /mnt), as
 * "path mode" lines: equal before install and after destroy means the host was left as found.
 */
export function footprint(host: SandboxHost, exclude: RegExp[] = []): string[] {
    const out: string[] = [];
    const modeOf = (p: string) => (lstatSync(p).mode & 0o7777).toString(8);
    // overlay: true for an upper directory, where a directory the lower layer has with the same mode
    // is only a copy-up (overlayfs keeps it after its new entries are gone), not a change.
    const walk = (base: string, shown: string, overlay: boolean) => {
        if (!existsSync(base)) return;
        for (const name of readdirSync(base)) {
            const full = join(base, name);
            const rel = `${shown}/${name}`;
            if (exclude.some((re) => re.test(rel))) continue;
            const st = lstatSync(full);
            const copyUp = overlay && st.isDirectory() && existsSync(rel) && lstatSync(rel).isDirectory() && modeOf(rel) === modeOf(full);
            if (!copyUp) out.push(`${rel} ${modeOf(full)}${st.isCharacterDevice() ? " whiteout" : ""}`);
            if (st.isDirectory()) walk(full, rel, overlay);
        }
    };
    for (const d of ["etc", "opt", "var"]) walk(join(host.dir, "upper", d), `/${d}`, true);
    for (const d of ["/run", "/root", "/mnt"]) walk(host.path(d), d, false);
    return out.sort();
}
