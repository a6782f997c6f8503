// Sandbox for the boot scripts: each "node" is a temp root holding exactly the files its rendered
// user data writes, run with stand-in commands (docker, aws, s5cmd) first on PATH.

import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { FETCHED_TOOLS, renderUserData, toolFile } from "../../src/boot/render";
import type { BootHooks } from "../../src/boot/hooks";
import type { ServingPlan } from "../../src/plan/types";

export const STANDINS = join(__dirname, "standins");

export interface SandboxNode {
    rank: number;
    root: string;
    /** STANDIN_STATE: what the stand-ins record (docker.jsonl, server-events.jsonl, fake buckets). */
    state: string;
    netns: string | null;
}

/** Settings the tests shorten so loops finish in seconds; every other value is the rendered one. */
export const FAST: Record<string, string> = {
    DSBOOT_POLL_SECONDS: "0.3",
    DSBOOT_RESTART_DELAY: "0",
    DSBOOT_READY_TIMEOUT: "60",
    DSBOOT_FETCH_PARALLEL: "4",
    DSBOOT_RETRY_BASE: "0.2",
    DSBOOT_RETRY_MAX: "1",
    DSBOOT_FETCH_STALL_SECONDS: "2",
    DSBOOT_RANK0_WAIT: "5",
    DSBOOT_STATUS_LOCK_WAIT: "5",
};

export function writeUserDataFiles(userData: string, root: string): void {
    const doc = parse(userData) as { write_files: { path: string; permissions: string; content: string }[] };
    for (const f of doc.write_files) {
        const target = join(root, f.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, f.content);
        chmodSync(target, parseInt(f.permissions, 8));
    }
}

export function patchBootEnv(root: string, overrides: Record<string, string>): void {
    const file = join(root, "etc/dsboot/boot.env");
    let text = readFileSync(file, "utf8");
    for (const [k, v] of Object.entries(overrides)) {
        const line = `${k}='${v.replace(/'/g, `'\\''`)}'`;
        const re = new RegExp(`^${k}=.*$`, "m");
        if (!re.test(text)) throw new Error(`boot.env has no ${k}`);
        text = text.replace(re, () => line);
    }
    writeFileSync(file, text);
}

export function makeNode(plan: ServingPlan, rank: number, hooks: BootHooks, overrides: Record<string, string> = {}, netns: string | null = null): SandboxNode {
    const root = mkdtempSync(join(tmpdir(), `dsboot-r${rank}-`));
    writeUserDataFiles(renderUserData(plan, rank, hooks), root);
    patchBootEnv(root, { ...FAST, ...overrides });
    const state = join(root, "standin-state");
    mkdirSync(state, { recursive: true });
    if (hooks.toolsPrefix) stockTools(hooks.toolsPrefix, join(state, "s3"));
    return { rank, root, state, netns };
}

/** The tools a cloud serves from its object store, where its component uploads them (keyed by sha256). */
export function stockTools(toolsPrefix: string, s3Root: string): void {
    for (const name of FETCHED_TOOLS) {
        const { content, sha256 } = toolFile(name);
        const file = join(s3Root, toolsPrefix.replace(/^s3:\/\//, ""), sha256, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
    }
}

/**
 * A directory holding only `python3`, the distribution's /usr/bin/python3 where there is one: what a real
 * node runs the scripts' python3 with (cloud-init's own interpreter), and far cheaper to start than a
 * version manager's interpreter on a workstation (pyenv's loads site hooks), which the scripts start
 * hundreds of times a test. null where the machine has no /usr/bin/python3: PATH's python3 is used.
 */
let nodePythonDir: string | null | undefined;
function nodePython(): string | null {
    if (nodePythonDir === undefined) {
        nodePythonDir = null;
        if (existsSync("/usr/bin/python3")) {
            nodePythonDir = mkdtempSync(join(tmpdir(), "dsboot-python-"));
            symlinkSync("/usr/bin/python3", join(nodePythonDir, "python3"));
            const dir = nodePythonDir;
            process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
        }
    }
    return nodePythonDir;
}

/**
 * PATH for a node's scripts: the directories a test puts first (stand-ins, its own fake tools) keep their
 * place; the node's python3 comes before the test machine's own PATH.
 */
export function nodePath(path: string): string {
    const py = nodePython();
    const inherited = process.env.PATH ?? "";
    if (!py || !inherited || !path.endsWith(inherited)) return path;
    return `${path.slice(0, path.length - inherited.length)}${py}:${inherited}`;
}

function scriptEnv(node: SandboxNode, extra: Record<string, string>): NodeJS.ProcessEnv {
    const env: Record<string, string> = {
        PATH: `${STANDINS}/bin:${process.env.PATH}`,
        HOME: node.root,
        DSBOOT_ROOT: node.root,
        STANDIN_STATE: node.state,
        PYTHONDONTWRITEBYTECODE: "1",
        ...extra,
    };
    env["PATH"] = nodePath(env["PATH"]!);
    return env;
}

export interface Running {
    done: Promise<{ code: number | null; stderr: string }>;
    stderr: () => string;
    stop: () => Promise<void>;
}

/** Start one stage script of a node (inside its network namespace if it has one). */
export function startScript(node: SandboxNode, script: string, args: string[] = [], extra: Record<string, string> = {}): Running {
    const path = join(node.root, "opt/dsboot/bin", script);
    const cmd = node.netns ? ["ip", "netns", "exec", node.netns, "bash", path, ...args] : ["bash", path, ...args];
    const child = spawn(cmd[0]!, cmd.slice(1), { env: scriptEnv(node, extra), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stdout.on("data", (d) => (err += d));
    child.stderr.on("data", (d) => (err += d));
    // "exit", not "close": a fake container started by the script may still hold the pipes.
    let exited = false;
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
        child.on("exit", (code) => {
            exited = true;
            setTimeout(() => resolve({ code, stderr: err }), 50);
        }),
    );
    const signal = (sig: NodeJS.Signals) => {
        try {
            process.kill(-child.pid!, sig);
        } catch {
            /* already gone */
        }
    };
    return {
        done,
        stderr: () => err,
        stop: async () => {
            // TERM first so the script's own trap runs (sglang.sh removes its container), then KILL.
            signal("SIGTERM");
            const timer = setTimeout(() => signal("SIGKILL"), 3000);
            if (!exited) await done;
            clearTimeout(timer);
            killContainers(node);
        },
    };
}

/** Run a stage to completion, killed after timeoutMs. */
export async function runScript(node: SandboxNode, script: string, timeoutMs = 30_000, args: string[] = [], extra: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
    const r = startScript(node, script, args, extra);
    const timer = setTimeout(() => void r.stop(), timeoutMs);
    const out = await r.done;
    clearTimeout(timer);
    return out;
}

export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as T);
}

export function dockerCalls(node: SandboxNode): string[][] {
    return readJsonl<{ argv: string[] }>(join(node.state, "docker.jsonl")).map((c) => c.argv);
}

export interface ServerEvent {
    kind: string;
    rank?: number;
    peer?: number;
    argv?: string[];
    env?: Record<string, string | null>;
    t: number;
    pid: number;
}
export function serverEvents(node: SandboxNode): ServerEvent[] {
    return readJsonl<ServerEvent>(join(node.state, "server-events.jsonl"));
}

export function statusRecord(node: SandboxNode): Record<string, any> {
    return JSON.parse(readFileSync(join(node.root, "var/lib/dsboot/status.json"), "utf8"));
}

/** Poll until pred() is true; bounded in time. */
export async function waitFor(what: string, pred: () => boolean, timeoutMs: number, everyMs = 100): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
        if (pred()) return;
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Kill whatever fake containers a node still runs (they live in their own sessions). */
export function killContainers(node: SandboxNode): void {
    const dir = join(node.state, "containers");
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)) {
        const pid = Number(readFileSync(join(dir, f), "utf8"));
        try {
            process.kill(-pid, "SIGKILL");
        } catch {
            /* gone */
        }
    }
}

export function cleanupNode(node: SandboxNode): void {
    killContainers(node);
    rmSync(node.root, { recursive: true, force: true });
}

export function commandExists(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

// ---- network namespaces: one per node on a bridge, so each node has its own address and ports ----

export interface Netns {
    names: string[];
    destroy: () => void;
}

function ip(args: string[]): void {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
}

/** Namespaces <tag>-<i> with eth0 = addresses[i]/24 on a private bridge; null when the machine forbids it. */
export function createNetns(tag: string, addresses: string[]): Netns | null {
    const hub = `${tag}-hub`;
    const names = addresses.map((_, i) => `${tag}-${i}`);
    const destroy = () => {
        for (const n of [...names, hub]) spawnSync("ip", ["netns", "del", n]);
    };
    try {
        ip(["netns", "add", hub]);
        ip(["-n", hub, "link", "add", "br0", "type", "bridge"]);
        ip(["-n", hub, "link", "set", "br0", "up"]);
        addresses.forEach((addr, i) => {
            const n = names[i]!;
            const peer = `${tag.slice(0, 8)}v${i}`;
            ip(["netns", "add", n]);
            ip(["link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", n]);
            ip(["link", "set", peer, "netns", hub]);
            ip(["-n", hub, "link", "set", peer, "master", "br0"]);
            ip(["-n", hub, "link", "set", peer, "up"]);
            ip(["-n", n, "addr", "add", `${addr}/24`, "dev", "eth0"]);
            ip(["-n", n, "link", "set", "eth0", "up"]);
            ip(["-n", n, "link", "set", "lo", "up"]);
        });
        return { names, destroy };
    } catch {
        destroy();
        return null;
    }
}
