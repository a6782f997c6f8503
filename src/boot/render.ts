// ServingPlan + rank + cloud hooks -> one #cloud-config document for that node.
// The scripts and units are real files next to this module, read at render time; only two small
// generated files differ per node: boot.env (settings, never a secret) and node.json (argv, env, mounts).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { cloudAdapter } from "../clouds/registry";
import type { NodePlan, ServingPlan } from "../plan/types";
import type { BootHooks } from "./hooks";
import { CLOUD_IDS, type CloudId } from "../catalog/index";

/** Where the pipeline lives on a node. The scripts derive the same paths in lib.sh. */
export const NODE_PATHS = {
    bin: "/opt/dsboot/bin",
    etc: "/etc/dsboot",
    units: "/etc/systemd/system",
} as const;

export const SCRIPT_FILES = [
    "lib.sh",
    "prepare-storage.sh",
    "pull-image.sh",
    "fetch-weights.sh",
    "precompile.sh",
    "sglang.sh",
    "readiness.sh",
    "beacon.sh",
    "with-api-key.sh",
    "dsboot-tool.py",
    "gpu-preflight.py",
    "nccl-transport.py",
    "fp8-to-bf16.py",
] as const;

/**
 * Python tools a cloud may serve from its object store instead of user data (hooks.toolsPrefix):
 * together ~12 KB gzipped, which AWS's 16 KB user data cannot spare. dsboot-tool.py (status, manifests,
 * hashing) comes from the same store the status records go to: where that store is out of reach, no
 * status could be published either, and the stage's failure stays in its journal.
 */
export const FETCHED_TOOLS = ["dsboot-tool.py", "gpu-preflight.py", "nccl-transport.py", "fp8-to-bf16.py"] as const;

/** A tool exactly as a node runs it, and its sha256 (the object key and the check both use it). */
export function toolFile(name: (typeof FETCHED_TOOLS)[number]): { content: string; sha256: string } {
    const content = readAsset(SCRIPTS_DIR, name);
    return { content, sha256: createHash("sha256").update(content).digest("hex") };
}

/** Scripts only some nodes need; the rest ship everywhere (user data is capped at 16 KB gzipped). */
function scriptNeeded(plan: ServingPlan, script: string, units: string[]): boolean {
    switch (script) {
        case "beacon.sh": return units.includes(BEACON_UNIT);
        case "gpu-preflight.py": return plan.gpu.vendor === "nvidia";
        case "nccl-transport.py": return plan.transport !== null;
        // Rank 0 converts; the others fetch its published result (or, with no store, convert themselves).
        case "fp8-to-bf16.py": return plan.weights.conversion !== null;
        default: return true;
    }
}

/**
 * Stage units in pipeline order; the beacon only exists on rank 0 of a multi-node cluster. The image
 * pull starts at t=0 beside storage and the weights; the precompile starts once config.json and the
 * image are there where dummy weights are allowed (PRECOMPILE_AFTER_WEIGHTS otherwise).
 */
export const STAGE_UNITS = [
    "dsboot-prepare-storage.service",
    "dsboot-pull-image.service",
    "dsboot-fetch-config.service",
    "dsboot-fetch-weights.service",
    "dsboot-precompile.service",
    "dsboot-sglang.service",
    "dsboot-readiness.service",
] as const;
export const BEACON_UNIT = "dsboot-beacon.service";
/** Drop-in that orders the precompile after the verified weights, for releases without dummy load. */
export const PRECOMPILE_AFTER_WEIGHTS = { file: "dsboot-precompile-after-weights.conf", path: "dsboot-precompile.service.d/after-weights.conf" } as const;
export const TARGET_UNIT = "dsboot.target";

/** AWS caps user data at 16 KB before base64; the other clouds allow more, so this is the bound. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;
/** Each cloud's cap on the user data it takes, from its adapter (docs/sources.md, "User data limits"). */
export const USER_DATA_LIMITS: Record<CloudId, number> = Object.fromEntries(
    CLOUD_IDS.map((id) => [id, cloudAdapter(id).boot.userDataLimitBytes]),
) as Record<CloudId, number>;

export const SCRIPTS_DIR = join(__dirname, "scripts");
export const UNITS_DIR = join(__dirname, "units");

// Rank 0 waits for nothing; a worker of a BF16 row waits this long for rank 0 to download the FP8
// checkpoint (~690 GB), convert it and publish the BF16 copy (~1.3 TB) before it gives up.
const CONVERTED_WAIT_SECONDS = 4 * 3600;
// SGLang's DP-attention ZMQ ports take dist-init+1..+6 on rank 0 (sglang-facts §7.1); stay clear of them.
const BEACON_PORT_OFFSET = 100;
// Headroom on the data volume for DeepGEMM/torch.compile caches and partial files.
const CACHE_HEADROOM_BYTES = 64 * 2 ** 30;

/** The directory every host path of the plan lives under; the pipeline mounts fast local disk there. */
export function dataRootOf(plan: ServingPlan): string {
    const dirs = [plan.weights.hostDir, plan.deepgemm.hostCacheDir, plan.torchCompile.hostCacheDir];
    if (plan.weights.conversion) dirs.push(plan.weights.conversion.outputHostDir);
    const split = dirs.map((d) => d.split("/").filter(Boolean));
    const common: string[] = [];
    for (let i = 0; split.every((s) => i < s.length - 1 && s[i] === split[0]![i]); i++) common.push(split[0]![i]!);
    if (common.length === 0) throw new Error(`boot: the plan's host directories share no parent below /: ${dirs.join(", ")}`);
    return `/${common.join("/")}`;
}

/** Bytes the data volume must hold: the checkpoint, a converted copy if any, and cache headroom. */
export function bytesNeeded(plan: ServingPlan): number {
    return Math.ceil(plan.weights.bytes + (plan.weights.conversion?.outputBytes ?? 0) + CACHE_HEADROOM_BYTES);
}

export function beaconPort(plan: ServingPlan): number {
    return plan.ports.distInit + BEACON_PORT_OFFSET;
}

function nodeAt(plan: ServingPlan, rank: number): NodePlan {
    const node = plan.nodes.find((n) => n.rank === rank);
    if (!node) throw new Error(`boot: the plan has no node of rank ${rank} (ranks ${plan.nodes.map((n) => n.rank).join(", ")})`);
    return node;
}

const flag = (on: boolean): string => (on ? "1" : "0");

/** Every setting the scripts read from boot.env. References to secrets, never secrets. */
export function bootSettings(plan: ServingPlan, rank: number, hooks: BootHooks): Record<string, string> {
    const node = nodeAt(plan, rank);
    const rank0 = nodeAt(plan, 0);
    return {
        DSBOOT_RANK: String(rank),
        DSBOOT_NNODES: String(plan.nodes.length),
        DSBOOT_ADDRESS: node.address,
        DSBOOT_RANK0_ADDRESS: rank0.address,
        DSBOOT_WORKER_ADDRESSES: plan.nodes.filter((n) => n.rank !== 0).map((n) => n.address).join(" "),
        DSBOOT_CLOUD: hooks.cloud,
        DSBOOT_REGION: hooks.region ?? plan.region ?? "",
        DSBOOT_SECRET_HF_TOKEN: hooks.secrets.hfToken ?? "",
        DSBOOT_SECRET_API_KEY: hooks.secrets.apiKey,
        DSBOOT_WEIGHTS_MIRROR: (hooks.weightsMirror ?? "").replace(/\/+$/, ""),
        DSBOOT_WEIGHTS_MIRROR_WRITABLE: hooks.weightsMirror && hooks.weightsMirrorWritable ? "1" : "0",
        DSBOOT_STATUS_PREFIX: hooks.statusPrefix.replace(/\/+$/, ""),
        DSBOOT_CACHE_PREFIX: (hooks.cachePrefix ?? "").replace(/\/+$/, ""),
        DSBOOT_HF_ENDPOINT: "https://huggingface.co",
        DSBOOT_MODEL_REPO: plan.weights.sourceRepo,
        DSBOOT_MODEL_REVISION: plan.weights.revision,
        DSBOOT_DATA_ROOT: dataRootOf(plan),
        DSBOOT_NEED_BYTES: String(bytesNeeded(plan)),
        // Volumes the cloud's image already built on instance store (its adapter says which).
        DSBOOT_EPHEMERAL_MOUNTS: cloudAdapter(hooks.cloud).boot.ephemeralMounts.join(" "),
        DSBOOT_WEIGHTS_DIR: plan.weights.hostDir,
        DSBOOT_CONVERT: flag(plan.weights.conversion !== null),
        DSBOOT_CONVERTED_DIR: plan.weights.conversion?.outputHostDir ?? "",
        DSBOOT_TOOLS_PREFIX: (hooks.toolsPrefix ?? "").replace(/\/+$/, ""),
        DSBOOT_TOOLS_SHA256: hooks.toolsPrefix ? FETCHED_TOOLS.map((t) => `${toolFile(t).sha256}  ${t}`).join(";") : "",
        DSBOOT_CONVERTED_STORE: plan.weights.conversion ? convertedStore(plan, hooks) : "",
        DSBOOT_CONVERTED_WAIT: String(CONVERTED_WAIT_SECONDS),
        DSBOOT_SERVED_DIR: plan.weights.conversion?.outputHostDir ?? plan.weights.hostDir,
        // Sized on the node from its link speed and vCPUs (lib.sh node_parallelism); a number overrides.
        DSBOOT_FETCH_PARALLEL: "auto",
        // Roughly what one S3/CDN connection carries (cloud-facts §6: one aws-cli stream ~375 MB/s is
        // the classic client's whole ceiling; tools that fill the link open many streams).
        DSBOOT_STREAM_MBPS: "100",
        DSBOOT_FETCH_ROUNDS: "8",
        // Below 1 MiB/s for a minute is a stall (an open, silent connection): cut and resume.
        DSBOOT_FETCH_MIN_SPEED: String(2 ** 20),
        DSBOOT_FETCH_STALL_SECONDS: "60",
        // Failed rounds (refused connections, 5xx) back off 5 s, 10 s, ... up to 2 min, and the stage
        // gives up after 6 h in all, inside the unit's 8 h bound.
        DSBOOT_RETRY_BASE: "5",
        DSBOOT_RETRY_MAX: "120",
        DSBOOT_FETCH_DEADLINE: String(6 * 3600),
        // Nodes boot minutes apart; a worker waits this long for rank 0 before failing with its address.
        DSBOOT_RANK0_WAIT: "1800",
        DSBOOT_STATUS_LOCK_WAIT: "60",
        DSBOOT_IMAGE: plan.sglang.image,
        DSBOOT_PULL_ATTEMPTS: "6",
        DSBOOT_PULL_TIMEOUT: "3600",
        DSBOOT_GPU_VENDOR: plan.gpu.vendor,
        DSBOOT_FABRIC: plan.fabric,
        // What NCCL must pick across nodes (empty: one node, or only recorded), its plugin and its log.
        DSBOOT_NCCL_NETWORK: plan.transport?.network ?? "",
        DSBOOT_NCCL_PROVIDER: plan.transport?.provider ?? "",
        DSBOOT_NCCL_NET_PLUGIN: (plan.transport?.netPlugin ?? []).join(" "),
        DSBOOT_NCCL_LOG_DIR: plan.transport?.logHostDir ?? "",
        // GPU preflight before the image pull: the driver the image's CUDA needs, and the GPUs the plan counts on.
        DSBOOT_MIN_DRIVER: plan.sglang.minNvidiaDriver === null ? "" : String(plan.sglang.minNvidiaDriver),
        DSBOOT_GPUS_PER_NODE: String(plan.row.gpusPerNode),
        DSBOOT_GPU_NAME: plan.gpu.id,
        DSBOOT_SHM_SIZE: "32g", // SGLang's docker recipes use --shm-size 32g (sglang-facts §7.2 item 16)
        DSBOOT_HTTP_PORT: String(plan.ports.http),
        DSBOOT_BEACON_PORT: String(beaconPort(plan)),
        DSBOOT_READINESS_PATH: plan.sglang.readinessPath,
        DSBOOT_API_KEY_PLACEHOLDER: plan.apiKeyPlaceholder,
        DSBOOT_DG_PRECOMPILE: flag(plan.deepgemm.precompile && node.precompile !== null),
        DSBOOT_DG_CACHE_KEY: plan.deepgemm.cacheKey ?? "",
        DSBOOT_DG_CACHE_DIR: plan.deepgemm.hostCacheDir,
        // compile_deep_gemm's own --timeout defaults to 3600 s (sglang-facts §3); allow image start on top.
        DSBOOT_PRECOMPILE_TIMEOUT: "5400",
        DSBOOT_TC_ENABLED: flag(plan.torchCompile.enabled),
        DSBOOT_TC_CACHE_KEY: plan.torchCompile.cacheKey ?? "",
        DSBOOT_TC_CACHE_DIR: plan.torchCompile.hostCacheDir,
        DSBOOT_RESTART_BUDGET: "3",
        DSBOOT_RESTART_DELAY: "30",
        DSBOOT_GROUP_RESTART_LIMIT: "20",
        DSBOOT_POLL_SECONDS: "10",
        // Loading 700 GB-1.3 TB, capturing CUDA graphs and warming up; multi-node loads can take long (§7.2 item 9).
        DSBOOT_READY_TIMEOUT: "7200",
    };
}

/**
 * Where rank 0 publishes the BF16 conversion for the other ranks: inside the stack's own mirror
 * (kept on destroy, so the next stack of the same revision skips the conversion too), else under the
 * stack's cache prefix; empty when the stack has neither (then each node converts for itself).
 */
export function convertedStore(plan: ServingPlan, hooks: BootHooks): string {
    const trim = (u: string): string => u.replace(/\/+$/, "");
    // Beside the checkpoint in the mirror when someone fills it there: the nodes, or the staging host.
    if (hooks.weightsMirror && (hooks.weightsMirrorWritable || hooks.weightsStaged)) return `${trim(hooks.weightsMirror)}/dsboot-bf16`;
    if (hooks.cachePrefix) return `${trim(hooks.cachePrefix)}/bf16/${plan.weights.sourceRepo}/${plan.weights.revision}`;
    return "";
}

/** bash-quoted KEY='value' lines; the scripts source this file. */
export function renderBootEnv(settings: Record<string, string>): string {
    const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
    return Object.entries(settings).map(([k, v]) => `${k}=${quote(v)}\n`).join("");
}

/** Structured per-node data: argv (exactly the plan's), container env and mounts. */
export function renderNodeJson(plan: ServingPlan, rank: number): string {
    const node = nodeAt(plan, rank);
    return `${JSON.stringify({ rank, launch: node.launch, precompile: node.precompile, env: node.env, mounts: plan.mounts })}\n`;
}

/**
 * The file as the node gets it: full-line comments and blank lines dropped (the shebang stays).
 * The repo keeps the commented originals; the sandbox tests run exactly the stripped text.
 */
export function stripForNode(text: string): string {
    return text
        .split("\n")
        .filter((line, i) => (i === 0 && line.startsWith("#!")) || !/^\s*(#.*)?$/.test(line))
        .join("\n")
        .concat("\n");
}

function readAsset(dir: string, name: string): string {
    return stripForNode(readFileSync(join(dir, name), "utf8"));
}

/** A script of scripts/ as a node gets it, at its path under NODE_PATHS.bin. */
export function scriptFile(name: string): WriteFile {
    return { path: `${NODE_PATHS.bin}/${name}`, permissions: "0755", content: readAsset(SCRIPTS_DIR, name) };
}

/** A unit of units/ as a node gets it, at its path under NODE_PATHS.units. */
export function unitFile(name: string): WriteFile {
    return { path: `${NODE_PATHS.units}/${name}`, permissions: "0644", content: readAsset(UNITS_DIR, name) };
}

/** boot.env, the settings file every script sources. */
export function bootEnvFile(settings: Record<string, string>): WriteFile {
    return { path: `${NODE_PATHS.etc}/boot.env`, permissions: "0644", content: renderBootEnv(settings) };
}

/** A #cloud-config document's text (scripts as literal blocks, never folded). */
export function cloudConfigText(doc: object): string {
    return `#cloud-config\n${stringify(doc, { lineWidth: 0, blockQuote: "literal" })}`;
}

/** The units this node runs (the beacon only on rank 0 of a multi-node cluster). */
export function unitsFor(plan: ServingPlan, rank: number): string[] {
    return [...STAGE_UNITS, ...(rank === 0 && plan.nodes.length > 1 ? [BEACON_UNIT] : [])];
}

export interface WriteFile {
    path: string;
    permissions: string;
    content: string;
}

/** Every file the node gets, with its mode. Used by renderUserData and by the sandbox tests. */
export function bootFiles(plan: ServingPlan, rank: number, hooks: BootHooks): WriteFile[] {
    const units = unitsFor(plan, rank);
    const fetched = (s: string): boolean => Boolean(hooks.toolsPrefix) && (FETCHED_TOOLS as readonly string[]).includes(s);
    const scripts = SCRIPT_FILES.filter((s) => scriptNeeded(plan, s, units) && !fetched(s));
    return [
        ...scripts.map(scriptFile),
        ...[...units, TARGET_UNIT].map(unitFile),
        ...(plan.deepgemm.precompile && !plan.deepgemm.beforeWeights
            ? [{ path: `${NODE_PATHS.units}/${PRECOMPILE_AFTER_WEIGHTS.path}`, permissions: "0644", content: readAsset(UNITS_DIR, PRECOMPILE_AFTER_WEIGHTS.file) }]
            : []),
        bootEnvFile(bootSettings(plan, rank, hooks)),
        { path: `${NODE_PATHS.etc}/node.json`, permissions: "0644", content: renderNodeJson(plan, rank) },
    ];
}

/**
 * One #cloud-config document: write the files, enable the units, start the pipeline without blocking
 * cloud-init (the pipeline takes hours; enabling makes it run again after every reboot).
 */
export function renderUserData(plan: ServingPlan, rank: number, hooks: BootHooks): string {
    const doc = {
        write_files: bootFiles(plan, rank, hooks),
        runcmd: [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", TARGET_UNIT, ...unitsFor(plan, rank)],
            ["systemctl", "start", "--no-block", TARGET_UNIT],
        ],
    };
    return cloudConfigText(doc);
}

/** cloud-init reads gzip-compressed user data as is (it sniffs the gzip magic). */
export function gzipUserData(text: string): Buffer {
    return gzipSync(Buffer.from(text, "utf8"), { level: 9 });
}

/**
 * What a cloud component sends: the plain text when it fits the 16 KB bound, else its gzip, base64
 * encoded for APIs that take binary user data that way (`aws.ec2.Instance.userDataBase64`).
 */
export function encodeUserData(text: string, limit: number = USER_DATA_LIMIT_BYTES): { gzip: boolean; bytes: number; base64: string } {
    const raw = Buffer.from(text, "utf8");
    if (raw.length <= limit) return { gzip: false, bytes: raw.length, base64: raw.toString("base64") };
    const gz = gzipUserData(text);
    if (gz.length > limit) throw new Error(`boot: user data is ${gz.length} bytes even gzipped, over ${limit}`);
    return { gzip: true, bytes: gz.length, base64: gz.toString("base64") };
}
