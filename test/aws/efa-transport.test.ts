// EFA inside the container and the proof that NCCL uses it: the plan gives multi-node EFA stacks the
// DLAMI's libfabric and aws-ofi-nccl (mounts, FI_PROVIDER, library path, NCCL's log) and single-node
// stacks none of it; the boot pipeline names the host's plugin and refuses to start without one; and
// readiness, run in the sandbox against stand-in NCCL logs, reports `serving` with the transport
// recorded only over OFI/EFA, and a socket fallback as a failed stage quoting NCCL's line.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { toolFile } from "../../src/boot/render";
import { hooksFor, planOf } from "../boot/fixtures";
import { STANDINS, cleanupNode, makeNode, nodePath, runScript, startScript, statusRecord, waitFor, type SandboxNode } from "../boot/sandbox";

const nodes: SandboxNode[] = [];
after(() => nodes.forEach(cleanupNode));

const efaPlan = () => planOf("aws", "fp8-2x8xh100");

test("plan: a multi-node EFA stack mounts the DLAMI's libfabric and OFI plugin and expects NCCL on AWS Libfabric/efa", () => {
    const plan = efaPlan();
    assert.equal(plan.fabric, "efa");
    assert.deepEqual(plan.transport && { network: plan.transport.network, provider: plan.transport.provider }, { network: "AWS Libfabric", provider: "efa" });
    assert.equal(plan.mounts["/opt/amazon/efa"], "/opt/amazon/efa");
    assert.equal(plan.mounts["/opt/amazon/ofi-nccl"], "/opt/amazon/ofi-nccl");
    for (const n of plan.nodes) {
        assert.equal(n.env.FI_PROVIDER, "efa");
        assert.match(n.env.LD_LIBRARY_PATH!, /^\/opt\/amazon\/ofi-nccl\/lib\/x86_64-linux-gnu:\/opt\/amazon\/ofi-nccl\/lib:\/opt\/amazon\/efa\/lib:/);
        assert.equal(n.env.NCCL_DEBUG, "INFO");
        assert.equal(n.env.NCCL_DEBUG_FILE, "/dsboot/nccl/nccl.%h.%p.log");
    }
    assert.ok(plan.transport!.netPlugin.every((p) => p.startsWith("/opt/amazon/ofi-nccl/")));
});

test("plan: single-node rows get no fabric plugin, env, log or transport check", () => {
    for (const row of ["fp8-8xh200", "awq-8xh100"]) {
        const plan = planOf("aws", row);
        assert.equal(plan.nodes.length, 1);
        assert.equal(plan.transport, null, row);
        assert.equal(plan.nodes[0]!.env.FI_PROVIDER, undefined, row);
        assert.equal(plan.nodes[0]!.env.NCCL_DEBUG, undefined, row);
        assert.ok(!Object.keys(plan.mounts).some((m) => m.startsWith("/opt/amazon")), row);
    }
});

test("plan: the check is cloud-neutral: the expected network comes from the fabric (IB on Azure, gIB on GCP A3 Ultra)", () => {
    assert.equal(planOf("azure", "bf16-2x8xmi300x").transport?.network, "IB");
    const gcp = planOf("gcp", "bf16-2x8xh200");
    assert.equal(gcp.transport?.network, gcp.fabric === "roce" ? "gIB" : gcp.transport?.network);
    assert.equal(planOf("hosts", "int8-16xa100").transport?.network, null, "existing hosts: recorded, not enforced");
});

/** A worker node (its own /health only) answering on 127.0.0.1, with the tools in the stand-in S3. */
async function worker(logLines: string[] | null, tools: "pinned" | "tampered" = "pinned"): Promise<{ node: SandboxNode; server: Server }> {
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const plan = efaPlan();
    const hooks = hooksFor(plan);
    const node = makeNode(plan, 1, hooks, { DSBOOT_ADDRESS: "127.0.0.1", DSBOOT_HTTP_PORT: String((server.address() as AddressInfo).port) });
    nodes.push(node);
    const { content, sha256 } = toolFile("nccl-transport.py");
    const key = join(node.state, "s3", hooks.toolsPrefix!.slice("s3://".length), sha256, "nccl-transport.py");
    mkdirSync(dirname(key), { recursive: true });
    writeFileSync(key, tools === "pinned" ? content : `${content}\nimport os; os.system("true")\n`);
    if (logLines) {
        const dir = join(node.root, plan.transport!.logHostDir);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "nccl.ip-10-0-0-11.4242.log"), logLines.map((l) => `ip-10-0-0-11:4242:4242 [0] NCCL INFO ${l}\n`).join(""));
    }
    return { node, server };
}

test("readiness: NCCL on AWS Libfabric over efa is `serving`, with the transport in the status record", async () => {
    const { node, server } = await worker(["NCCL version 2.27.3+cuda13.0", "NET/OFI Selected provider is efa, fabric is efa-direct (found 32 nics)", "Using network AWS Libfabric"]);
    const ready = startScript(node, "readiness.sh");
    try {
        await waitFor("serving", () => { try { return statusRecord(node).state === "serving"; } catch { return false; } }, 20_000);
        assert.equal(statusRecord(node).transport, "AWS Libfabric/efa");
    } finally {
        await ready.stop();
        server.close();
    }
});

test("readiness: a socket fallback is a failed stage quoting NCCL's line, never `serving`", async () => {
    const { node, server } = await worker(["NCCL version 2.27.3+cuda13.0", "NET/Plugin: Could not find: libnccl-net.so", "Using network Socket"]);
    try {
        const r = await runScript(node, "readiness.sh", 20_000);
        assert.notEqual(r.code, 0);
        const rec = statusRecord(node);
        assert.equal(rec.stages.readiness.state, "failed");
        assert.notEqual(rec.state, "serving");
        assert.match(rec.lastError.message, /NCCL is not on the efa fabric: NCCL uses 'Socket', not 'AWS Libfabric'/);
        assert.match(rec.lastError.message, /NCCL INFO Using network Socket/);
        // OFI loaded but libfabric picked TCP instead of EFA: also refused.
        const { node: tcp, server: s2 } = await worker(["NET/OFI Selected provider is tcp, fabric is 10.0.0.0/16", "Using network AWS Libfabric"]);
        const r2 = await runScript(tcp, "readiness.sh", 20_000);
        s2.close();
        assert.notEqual(r2.code, 0);
        assert.match(statusRecord(tcp).lastError.message, /libfabric provider is 'tcp', not 'efa'/);
    } finally {
        server.close();
    }
});

test("readiness: a tool fetched from the store that does not match its pinned sha256 never runs", async () => {
    const { node, server } = await worker(["Using network AWS Libfabric"], "tampered");
    try {
        const r = await runScript(node, "readiness.sh", 20_000);
        assert.notEqual(r.code, 0);
        assert.match(statusRecord(node).lastError.message, /nccl-transport\.py from s3:\/\/.* does not match its pinned sha256/);
    } finally {
        server.close();
    }
});

test("container env: NCCL_NET_PLUGIN names the host's aws-ofi-nccl library; a host without one fails before the server starts", () => {
    const plan = efaPlan();
    const run = (withPlugin: boolean) => {
        const node = makeNode(plan, 1, hooksFor(plan), { DSBOOT_ADDRESS: "127.0.0.1" });
        nodes.push(node);
        if (withPlugin) {
            const lib = join(node.root, "opt/amazon/ofi-nccl/lib/x86_64-linux-gnu");
            mkdirSync(lib, { recursive: true });
            writeFileSync(join(lib, "libnccl-net-ofi.so"), "");
        }
        const r = spawnSync("bash", ["-c", `. "$DSBOOT_ROOT/opt/dsboot/bin/lib.sh"; container_env_file "$DSBOOT_ROOT/env"`], {
            env: { PATH: nodePath(`${STANDINS}/bin:${process.env.PATH}`), DSBOOT_ROOT: node.root, STANDIN_STATE: node.state }, encoding: "utf8",
        });
        return { r, node };
    };
    const ok = run(true);
    assert.equal(ok.r.status, 0, ok.r.stderr);
    const env = readFileSync(join(ok.node.root, "env"), "utf8");
    assert.match(env, /^NCCL_NET_PLUGIN=\/opt\/amazon\/ofi-nccl\/lib\/x86_64-linux-gnu\/libnccl-net-ofi\.so$/m);
    assert.match(env, /^FI_PROVIDER=efa$/m);
    const missing = run(false);
    assert.notEqual(missing.r.status, 0);
    assert.match(missing.r.stderr, /no NCCL net plugin for the efa fabric on this host/);
    assert.equal(statusRecord(missing.node).state, "failed");
});
