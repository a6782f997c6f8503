// What the nodes' status records say about a deployment: serving, failed (which node, stage, error,
// log tail), or still on its way (each node's stage and progress). Pure; the readiness gate and
// `npm run status` share it.
//
// Self-contained on purpose (no imports): the readiness gate's dynamic provider serializes the
// functions it calls, and everything they reach travels with it.

/** One stage's timestamps as `dsboot-tool.py status` writes them. */
export interface StageRecord {
    state: string;
    startedAt?: string;
    updatedAt?: string;
    endedAt?: string;
}

/** `rank-N.json`, the record each node publishes through its cloud's object store (boot/scripts/lib.sh). */
export interface NodeStatus {
    rank: number;
    address: string;
    /** The stage that wrote last, and its state (`running`, `complete`, `failed`, `starting`, `serving`, `restarting`). */
    stage: string;
    state: string;
    updatedAt: string;
    stages: Record<string, StageRecord>;
    lastError: { stage: string; message: string; at: string } | null;
    /** The failing stage's last log lines, written with a `failed` state. */
    logTail?: { stage: string; lines: string[] } | null;
    /** Stage-specific progress (`fetchRound`, `filesToFetch`, `conversion`, `deepgemm`, `restarts` ...). */
    [progress: string]: unknown;
}

export type Assessment =
    | { kind: "serving"; lines: string[] }
    | { kind: "failed"; rank: number; address: string; stage: string; error: string; logTail: string[]; lines: string[] }
    | { kind: "waiting"; lines: string[] };

/** Keys of a record that are not progress. (An array: Pulumi's closure serializer cannot carry a Set.) */
const RECORD_KEYS = ["rank", "address", "stage", "state", "updatedAt", "stages", "lastError", "logTail"];
/** Stages in boot order (boot/units). */
export const BOOT_STAGES = ["prepare-storage", "fetch-weights", "precompile", "sglang", "readiness"] as const;

/** A record's body as read from the store; null when it is not a status record. */
export function parseRecord(body: string): NodeStatus | null {
    let v: unknown;
    try {
        v = JSON.parse(body);
    } catch {
        return null;
    }
    if (!v || typeof v !== "object") return null;
    const r = v as Record<string, unknown>;
    if (typeof r["rank"] !== "number" || typeof r["stage"] !== "string" || typeof r["state"] !== "string" || typeof r["updatedAt"] !== "string") return null;
    return { address: "", stages: {}, lastError: null, ...r } as NodeStatus;
}

/** `key=value` pairs of a record's progress, in a stable order. */
export function progressOf(r: NodeStatus): string {
    return Object.keys(r).filter((k) => !RECORD_KEYS.includes(k)).sort().map((k) => `${k}=${String(r[k])}`).join(" ");
}

/** One line per node: `rank 0 (10.42.0.10): fetch-weights running (fetchRound=2 filesToFetch=40)`. */
export function describeNode(r: NodeStatus): string {
    const progress = progressOf(r);
    return `rank ${r.rank} (${r.address}): ${r.stage} ${r.state}${progress ? ` (${progress})` : ""}`;
}

/**
 * Records older than `since` belong to nodes a previous deployment ran (a replaced node keeps its
 * rank and address): they are treated as not yet reported. `skewSeconds` allows for node clocks.
 */
export function currentRecords(records: NodeStatus[], since: Date | null, skewSeconds = 120): NodeStatus[] {
    if (!since) return records;
    const floor = since.getTime() - skewSeconds * 1000;
    return records.filter((r) => Date.parse(r.updatedAt) >= floor);
}

/** Rank 0 serves once its readiness stage saw a real generation (boot/scripts/readiness.sh). */
export function isServing(r: NodeStatus): boolean {
    return r.rank === 0 && r.stage === "readiness" && r.state === "serving";
}

export function assess(all: NodeStatus[], nodes: number): Assessment {
    const byRank = new Map<number, NodeStatus>();
    for (const r of all) if (r.rank >= 0 && r.rank < nodes) byRank.set(r.rank, r);
    const lines: string[] = [];
    for (let rank = 0; rank < nodes; rank++) {
        const r = byRank.get(rank);
        lines.push(r ? describeNode(r) : `rank ${rank}: no status record yet (booting)`);
    }
    // A failed stage is final: no boot unit restarts on failure, and sglang.sh writes `failed` only
    // once its restart budget is spent. The lowest failed rank is named.
    const failed = [...byRank.values()].filter((r) => r.state === "failed").sort((a, b) => a.rank - b.rank)[0];
    if (failed) {
        const tail = failed.logTail && failed.logTail.stage === failed.stage ? failed.logTail.lines : [];
        return {
            kind: "failed", rank: failed.rank, address: failed.address, stage: failed.stage,
            error: failed.lastError?.message ?? "(the node recorded no message)", logTail: tail, lines,
        };
    }
    const rank0 = byRank.get(0);
    if (rank0 && isServing(rank0)) return { kind: "serving", lines };
    return { kind: "waiting", lines };
}

/** The failure as `pulumi up` prints it: node, stage, last error, then the stage's log tail. */
export function formatFailure(a: Extract<Assessment, { kind: "failed" }>): string {
    const head = `rank ${a.rank} (${a.address}) failed in stage ${a.stage}: ${a.error}`;
    const tail = a.logTail.length ? `\nlast ${a.logTail.length} log lines of ${a.stage}:\n${a.logTail.map((l) => `  | ${l}`).join("\n")}` : "";
    return head + tail;
}
