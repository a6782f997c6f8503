// The readiness gate's poll logic as pure functions: serving, a failed stage, timeout, progress,
// stale records of replaced nodes, and the row budgets.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { assess, currentRecords, parseRecord, type NodeStatus } from "../../src/readiness/assess";
import { readinessBudget } from "../../src/readiness/budget";
import { overruns, waitForServing, type WaitOptions } from "../../src/readiness/wait";
import { planFor, record, T0, iso } from "./plans";

/** A scripted store: each read returns the next snapshot (the last one repeats); a clock that sleeps instantly. */
function harness(snapshots: (NodeStatus[] | Error)[], overrides: Partial<WaitOptions> = {}) {
    let clock = T0 + 60_000;
    let reads = 0;
    const log: string[] = [];
    const opts: WaitOptions = {
        read: async () => {
            const s = snapshots[Math.min(reads++, snapshots.length - 1)]!;
            if (s instanceof Error) throw s;
            return s;
        },
        nodes: 2, since: new Date(T0), budget: { stages: { "fetch-weights": 600, "sglang": 900 }, totalSeconds: 3600 }, pollSeconds: 30,
        now: () => clock, sleep: async (ms) => { clock += ms; }, log: (l) => log.push(l), ...overrides,
    };
    return { opts, log, reads: () => reads };
}

describe("assess", () => {
    it("serving only when rank 0's readiness stage reports serving", () => {
        assert.equal(assess([record(0, "readiness", "serving", 100), record(1, "readiness", "serving", 90)], 2).kind, "serving");
        assert.equal(assess([record(0, "readiness", "starting", 100), record(1, "readiness", "serving", 90)], 2).kind, "waiting");
        assert.equal(assess([record(1, "readiness", "serving", 90)], 2).kind, "waiting");
        // A worker cannot make the cluster serve, and records beyond the node count are ignored.
        assert.equal(assess([record(0, "sglang", "running", 100), record(5, "readiness", "serving", 100)], 2).kind, "waiting");
    });

    it("a failed stage names the lowest failed rank, its stage, error and that stage's log tail", () => {
        const a = assess([
            record(0, "sglang", "running", 100),
            record(1, "fetch-weights", "failed", 200, { lastError: { stage: "fetch-weights", message: "3 file(s) still missing or corrupt after 5 rounds, e.g. model-00001.safetensors", at: iso(200) }, logTail: { stage: "fetch-weights", lines: ["verify: model-00001.safetensors: hash mismatch"] } }),
            record(3, "precompile", "failed", 300, { lastError: { stage: "precompile", message: "x", at: iso(300) } }),
        ], 4);
        assert.equal(a.kind, "failed");
        if (a.kind !== "failed") return;
        assert.deepEqual([a.rank, a.stage, a.logTail], [1, "fetch-weights", ["verify: model-00001.safetensors: hash mismatch"]]);
        assert.match(a.error, /still missing or corrupt/);
        assert.deepEqual(a.lines, [
            "rank 0 (10.42.0.10): sglang running", "rank 1 (10.42.0.11): fetch-weights failed", "rank 2: no status record yet (booting)", "rank 3 (10.42.0.13): precompile failed",
        ]);
    });

    it("records of a previous deployment (older than the nodes) do not count", () => {
        const old = [record(0, "readiness", "serving", -3600)];
        assert.deepEqual(currentRecords(old, new Date(T0)), []);
        assert.equal(currentRecords(old, null).length, 1);
        assert.equal(currentRecords([record(0, "sglang", "running", -60)], new Date(T0)).length, 1, "two minutes of clock skew are allowed");
    });

    it("parseRecord takes dsboot-tool's JSON and refuses anything else", () => {
        const r = parseRecord(JSON.stringify({ rank: 0, address: "10.42.0.10", stage: "fetch-weights", state: "running", updatedAt: iso(1), stages: {}, lastError: null, fetchRound: 2 }));
        assert.equal(r?.["fetchRound"], 2);
        for (const bad of ["", "not json", "[]", "{\"rank\":\"0\"}", "null"]) assert.equal(parseRecord(bad), null, bad);
    });
});

describe("waitForServing", () => {
    it("logs each node's progress as it changes and resolves when rank 0 serves", async () => {
        const h = harness([
            [],
            [record(0, "fetch-weights", "running", 100, { fetchRound: 1, filesToFetch: 163 }), record(1, "fetch-weights", "running", 100, { fetchRound: 1, filesToFetch: 163 })],
            [record(0, "fetch-weights", "running", 130, { fetchRound: 1, filesToFetch: 163 }), record(1, "precompile", "running", 130, { deepgemm: "compiling" })],
            [record(0, "readiness", "starting", 400), record(1, "readiness", "serving", 390)],
            [record(0, "readiness", "serving", 500), record(1, "readiness", "serving", 390)],
        ]);
        const seconds = await waitForServing(h.opts);
        assert.equal(seconds, 4 * 30);
        assert.deepEqual(h.log, [
            "rank 0: no status record yet (booting)", "rank 1: no status record yet (booting)",
            "rank 0 (10.42.0.10): fetch-weights running (fetchRound=1 filesToFetch=163)", "rank 1 (10.42.0.11): fetch-weights running (fetchRound=1 filesToFetch=163)",
            "rank 1 (10.42.0.11): precompile running (deepgemm=compiling)",
            "rank 0 (10.42.0.10): readiness starting", "rank 1 (10.42.0.11): readiness serving",
            "rank 0 (10.42.0.10): readiness serving",
        ]);
    });

    it("rejects on a failed stage with node, stage, error and log tail", async () => {
        const h = harness([[record(0, "sglang", "failed", 100, {
            lastError: { stage: "sglang", message: "server exited 3 times (last exit code 1); restart budget of 3 spent", at: iso(100) },
            logTail: { stage: "sglang", lines: ["torch.OutOfMemoryError: CUDA out of memory", "exit 1"] },
        }), record(1, "sglang", "running", 100)]]);
        await assert.rejects(waitForServing(h.opts), (e: Error) => {
            assert.equal(e.name, "ReadinessError");
            assert.equal(e.message, [
                "rank 0 (10.42.0.10) failed in stage sglang: server exited 3 times (last exit code 1); restart budget of 3 spent",
                "last 2 log lines of sglang:", "  | torch.OutOfMemoryError: CUDA out of memory", "  | exit 1",
            ].join("\n"));
            return true;
        });
    });

    it("times out at the row's budget, naming the stage past its budget and every node", async () => {
        const stuck = [record(0, "fetch-weights", "running", 70, { fetchRound: 3 }), record(1, "fetch-weights", "complete", 70)];
        stuck[0]!.stages["fetch-weights"]!.startedAt = iso(40);
        const h = harness([stuck]);
        await assert.rejects(waitForServing(h.opts), (e: Error) => {
            assert.match(e.message, /^not serving 3600s after the nodes were created \(the row's budget: fetch-weights 600s, sglang 900s\)/);
            assert.match(e.message, /past their budget: fetch-weights on rank 0 for 3560s \(budget 600s\)/);
            assert.match(e.message, /rank 0 \(10.42.0.10\): fetch-weights running \(fetchRound=3\)/);
            return true;
        });
        assert.equal(h.reads(), 1 + 3540 / 30, "polls every 30 s until the deadline, then once more");
        assert.equal(h.log.filter((l) => l.startsWith("warning: fetch-weights on rank 0")).length, 1, "an overrun is warned about once");
    });

    it("a failing store read is logged and retried; the timeout reports it", async () => {
        const h = harness([new Error("AccessDenied: s3:ListBucket")], { budget: { stages: {}, totalSeconds: 120 } });
        await assert.rejects(waitForServing(h.opts), /last read of the status records failed: AccessDenied/);
        assert.ok(h.log.includes("could not read the status records: AccessDenied: s3:ListBucket"));
    });

    it("overruns ignore finished stages", () => {
        const done = record(0, "fetch-weights", "complete", 5000);
        assert.deepEqual(overruns([done], { stages: { "fetch-weights": 1 }, totalSeconds: 1 }, T0 + 10_000_000), []);
    });
});

describe("row budgets", () => {
    it("download, conversion, compile and load each have a ceiling; the total is their sum", () => {
        const fp8 = readinessBudget(planFor("fp8-8xh200-aws"));
        const bf16 = readinessBudget(planFor("bf16-2x8xh200-aws"));
        assert.equal(fp8.totalSeconds, Object.values(fp8.stages).reduce((s, v) => s + v, 0));
        assert.ok(fp8.stages["fetch-weights"]! >= 6000, "~690 GB at the 100 MB/s floor");
        assert.ok(bf16.stages["fetch-weights"]! > fp8.stages["fetch-weights"]! + 10_000, "BF16 adds the 1.3 TB conversion");
        assert.equal(fp8.stages["precompile"], 3900, "DeepGEMM precompile on Hopper");
    });
});
