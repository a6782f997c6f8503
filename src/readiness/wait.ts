// The readiness gate's loop: poll the status records until rank 0 serves, a node fails, or the
// row's budget runs out. Clock, sleep, reader and log are injected, so tests drive it without
// waiting; the dynamic provider (gate.ts) passes real ones. No imports but assess (see there why).

import { assess, currentRecords, formatFailure, type NodeStatus } from "./assess";

export interface WaitOptions {
    /** Every node's current record (the cloud's status store). */
    read(): Promise<NodeStatus[]>;
    nodes: number;
    /** When the nodes were (re)created: older records are a previous deployment's. */
    since: Date;
    /** Seconds per stage and in total (budget.ts). */
    budget: { stages: Record<string, number>; totalSeconds: number };
    pollSeconds: number;
    now(): number;
    sleep(ms: number): Promise<void>;
    log(line: string): void;
}

/**
 * The gate's failure: a plain Error named ReadinessError (Pulumi's closure serializer does not carry
 * a subclass of Error intact into the provider host).
 */
export function readinessError(message: string): Error {
    const e = new Error(message);
    e.name = "ReadinessError";
    return e;
}

/** Stages that have run past their budget, as `stage on rank N for Xs (budget Ys)`. */
export function overruns(records: NodeStatus[], budget: WaitOptions["budget"], nowMs: number): string[] {
    const out: string[] = [];
    for (const r of records) {
        const started = r.stages[r.stage]?.startedAt;
        const limit = budget.stages[r.stage];
        if (!started || limit === undefined || r.state === "complete" || r.state === "serving") continue;
        const ran = Math.round((nowMs - Date.parse(started)) / 1000);
        if (ran > limit) out.push(`${r.stage} on rank ${r.rank} for ${ran}s (budget ${limit}s)`);
    }
    return out;
}

/** Resolves with the seconds it took once rank 0 serves; rejects with a readinessError naming what failed. */
export async function waitForServing(o: WaitOptions): Promise<number> {
    const start = o.now();
    const deadline = o.since.getTime() + o.budget.totalSeconds * 1000;
    const shown = new Map<number, string>();
    const warned = new Set<string>();
    let lastReadError: string | null = null;
    let lines: string[] = [];
    let records: NodeStatus[] = [];
    for (;;) {
        try {
            records = currentRecords(await o.read(), o.since);
            lastReadError = null;
        } catch (err) {
            lastReadError = err instanceof Error ? err.message : String(err);
            o.log(`could not read the status records: ${lastReadError}`);
        }
        const a = assess(records, o.nodes);
        lines = a.lines;
        // Progress as it changes, one line per node.
        a.lines.forEach((line, rank) => {
            if (shown.get(rank) !== line) o.log(line);
            shown.set(rank, line);
        });
        if (a.kind === "serving") return (o.now() - start) / 1000;
        if (a.kind === "failed") throw readinessError(formatFailure(a));
        for (const over of overruns(records, o.budget, o.now())) {
            if (!warned.has(over.split(" for ")[0]!)) o.log(`warning: ${over}`);
            warned.add(over.split(" for ")[0]!);
        }
        if (o.now() >= deadline) {
            const over = overruns(records, o.budget, o.now());
            throw readinessError([
                `not serving ${o.budget.totalSeconds}s after the nodes were created (the row's budget: ${Object.entries(o.budget.stages).map(([s, v]) => `${s} ${v}s`).join(", ")})`,
                ...(over.length ? [`past their budget: ${over.join("; ")}`] : []),
                ...(lastReadError ? [`last read of the status records failed: ${lastReadError}`] : []),
                ...lines,
            ].join("\n"));
        }
        await o.sleep(Math.min(o.pollSeconds * 1000, Math.max(0, deadline - o.now())));
    }
}
