// Two sandboxed nodes, each in its own network namespace on a private bridge, run the real
// pipeline scripts with a stand-in server that rendezvouses through --dist-init-addr/--nnodes/
// --node-rank. Proves: ranks find rank 0, readiness waits for every rank, a rank-0 restart restarts
// the group.

import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { hooksFor, planOf } from "./fixtures";
import {
    cleanupNode,
    createNetns,
    dockerCalls,
    makeNode,
    runScript,
    serverEvents,
    startScript,
    statusRecord,
    waitFor,
    type Running,
    type SandboxNode,
} from "./sandbox";
import { sampleRepo, startWeightsServer } from "./weights-server";
import { skipOrFail } from "../support/requirements";

const API_KEY = "sk-multi-7d2e";
const running: Running[] = [];
const nodes: SandboxNode[] = [];
after(async () => {
    for (const r of running) await r.stop();
    nodes.forEach(cleanupNode);
});

const state = (n: SandboxNode) => {
    try {
        return statusRecord(n);
    } catch {
        return {};
    }
};

test("multi-node: ranks find rank 0, readiness waits for all, a rank-0 restart restarts the group", async (t) => {
    const addresses = ["10.89.0.11", "10.89.0.12"];
    // int8-16xa100: 2 nodes x 8 GPUs, torch.compile on, no DeepGEMM.
    const plan = planOf("hosts", "int8-16xa100", { addresses });
    const ns = createNetns(`dsb${process.pid % 10000}m`, addresses);
    if (!ns) return skipOrFail(t, "network namespaces (root and iproute2)");
    try {
        const repo = sampleRepo("meituan/DeepSeek-R1-Block-INT8", 64 * 1024);
        const server = await startWeightsServer(repo);
        const hooks = hooksFor(plan);
        for (const rank of [0, 1]) {
            const node = makeNode(plan, rank, hooks, { DSBOOT_HF_ENDPOINT: server.url }, ns.names[rank]!);
            mkdirSync(join(node.root, "etc/dsboot-secrets"), { recursive: true });
            writeFileSync(join(node.root, "etc/dsboot-secrets/api-key"), API_KEY);
            nodes.push(node);
            // Weights come from the host's loopback stand-in, so fetch outside the namespace.
            const fetch = await runScript({ ...node, netns: null }, "fetch-weights.sh", 60_000);
            assert.equal(fetch.code, 0, fetch.stderr);
            const pre = await runScript(node, "precompile.sh", 30_000);
            assert.equal(pre.code, 0, pre.stderr);
        }
        await server.close();
        const [r0, r1] = nodes as [SandboxNode, SandboxNode];

        // Rank 0 alone: its server waits at the rendezvous and readiness must not report serving.
        const start = (n: SandboxNode, s: string) => {
            const r = startScript(n, s);
            running.push(r);
            return r;
        };
        start(r0, "beacon.sh");
        start(r0, "sglang.sh");
        start(r0, "readiness.sh");
        await waitFor("rank 0's server to start", () => serverEvents(r0).some((e) => e.kind === "start"), 15_000);
        // Readiness publishes what it waits for: the missing worker, not a fixed wait.
        await waitFor("readiness waiting for the worker", () => state(r0).waitingFor === `worker ${addresses[1]} is not up`, 15_000, 50);
        assert.notEqual(state(r0).state, "serving", "rank 0 alone is not ready");
        assert.ok(!serverEvents(r0).some((e) => e.kind === "all-joined"));

        // The worker joins: the group forms and rank 0 reports serving only after that.
        start(r1, "sglang.sh");
        start(r1, "readiness.sh");
        await waitFor("rank 0 serving", () => state(r0).state === "serving", 30_000);
        await waitFor("rank 1 serving", () => state(r1).state === "serving", 10_000);
        const joined = serverEvents(r0).find((e) => e.kind === "joined")!;
        assert.equal(joined.peer, 1, "rank 1 found rank 0 at --dist-init-addr");
        const allJoined = serverEvents(r0).find((e) => e.kind === "all-joined")!;
        assert.ok(Date.parse(state(r0).stages.readiness.endedAt) >= Math.floor(allJoined.t) * 1000, "serving reported after every rank joined");

        const image = plan.sglang.image;
        for (const n of nodes) {
            const run = dockerCalls(n).find((a) => a[0] === "run")!;
            assert.deepEqual(run.slice(run.indexOf(image) + 1), plan.nodes[n.rank]!.launch, `rank ${n.rank} argv`);
            const ev = serverEvents(n).find((e) => e.kind === "start")!;
            assert.equal(ev.env!.SGLANG_HOST_IP, addresses[n.rank]);
            assert.equal(ev.env!.NCCL_SOCKET_IFNAME, "eth0");
            assert.equal(ev.env!.GLOO_SOCKET_IFNAME, "eth0");
        }

        // Rank 0's server dies. Its supervisor restarts it under a new epoch; the worker, whose old
        // server hangs on a dead group, sees the epoch change and restarts too; the group re-forms.
        const epochBefore = state(r0).epoch;
        const pid = Number(readFileSync(join(r0.state, "containers/dsboot-sglang.pid"), "utf8"));
        process.kill(-pid, "SIGKILL");
        await waitFor("rank 0 restarted", () => serverEvents(r0).filter((e) => e.kind === "start").length === 2, 15_000);
        await waitFor("rank 1 restarted with the group", () => serverEvents(r1).filter((e) => e.kind === "start").length === 2, 15_000);
        await waitFor("group re-formed", () => serverEvents(r0).filter((e) => e.kind === "all-joined").length === 2, 20_000);
        await waitFor("rank 0 serving again", () => state(r0).state === "serving" && state(r0).epoch !== epochBefore, 30_000);
        assert.equal(state(r0).restarts, 1);
        assert.equal(state(r1).groupRestarts, 1);
        assert.equal(state(r1).restarts, 0, "following rank 0 does not spend the worker's own budget");
        assert.equal(serverEvents(r0).filter((e) => e.kind === "joined").length, 2);
    } finally {
        for (const r of running.splice(0)) await r.stop();
        ns.destroy();
    }
});

test("multi-node: the DeepGEMM precompile runs on every node together, even when a worker boots late", async (t) => {
    const addresses = ["10.89.1.11", "10.89.1.12"];
    // fp8-2x8xh100 on H100 hosts: FP8 on Hopper, so the plan precompiles DeepGEMM on both ranks.
    const plan = planOf("hosts", "fp8-2x8xh100", { gpu: "H100", addresses });
    assert.ok(plan.deepgemm.precompile);
    const ns = createNetns(`dsb${process.pid % 10000}d`, addresses);
    if (!ns) return skipOrFail(t, "network namespaces (root and iproute2)");
    try {
        const repo = sampleRepo("deepseek-ai/DeepSeek-V3", 64 * 1024);
        const server = await startWeightsServer(repo);
        const group: SandboxNode[] = [];
        for (const rank of [0, 1]) {
            const node = makeNode(plan, rank, hooksFor(plan), { DSBOOT_HF_ENDPOINT: server.url }, ns.names[rank]!);
            nodes.push(node);
            group.push(node);
            const fetch = await runScript({ ...node, netns: null }, "fetch-weights.sh", 60_000);
            assert.equal(fetch.code, 0, fetch.stderr);
        }
        await server.close();

        // Rank 0's beacon runs from boot; its precompile starts first, the worker's later.
        running.push(startScript(group[0]!, "beacon.sh"));
        const leader = startScript(group[0]!, "precompile.sh");
        running.push(leader);
        await waitFor("rank 0 at the rendezvous", () => serverEvents(group[0]!).some((e) => e.kind === "precompile"), 15_000, 50);
        const worker = await runScript(group[1]!, "precompile.sh", 60_000);
        const lead = await leader.done;
        assert.equal(lead.code, 0, lead.stderr);
        assert.equal(worker.code, 0, worker.stderr);
        for (const [rank, node] of group.entries()) {
            const events = serverEvents(node);
            assert.equal(events.filter((e) => e.kind === "precompile-group").length, 1, `rank ${rank} compiled with the group`);
            assert.equal(events.filter((e) => e.kind === "precompile-alone").length, 0, `rank ${rank} never compiled alone`);
            const run = dockerCalls(node).find((a) => a[0] === "run" && a.includes("dsboot-precompile"))!;
            assert.deepEqual(run.slice(run.indexOf(plan.sglang.image) + 1), plan.nodes[rank]!.precompile, "the plan's precompile argv for this rank");
            assert.equal(state(node).deepgemm, "compiled");
        }
    } finally {
        ns.destroy();
    }
});
