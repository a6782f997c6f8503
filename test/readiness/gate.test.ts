// The readiness gate in the graph: the mock resource graph of a real stack (the gate waits on the
// nodes, the endpoint waits on the gate), and the dynamic provider exactly as Pulumi ships it
// (serialized, loaded back, run against an S3 stand-in): serving with progress, and a failed stage.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { shippedProvider } from "../support/shipped-provider";
import { awsPreviewMocks } from "../../src/clouds/aws/preview-mocks";
import { s3StatusStore } from "../../src/clouds/aws/status-store";
import { gcsStatusStore } from "../../src/clouds/gcp/status-store";
import { readinessBudget } from "../../src/readiness/budget";
import { gateMustRewait, providerFor, readinessProvider, type ReadinessGateInputs } from "../../src/readiness/provider";
import program from "../../src/program";
import { FakeGcs } from "./fake-gcs";
import { FakeS3, fakeAwsCredentials } from "./fake-s3";
import { planFor, record } from "./plans";

const GATE_TYPE = "pulumi-nodejs:dynamic/deepseek-sglang:ReadinessGate";

describe("readiness gate in the resource graph", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    let outputs: Record<string, unknown>;
    before(async () => {
        await pulumi.runtime.setMocks(awsPreviewMocks({ region: "us-east-2" }, (a) => registered.push(a)), "deepseek-sglang", "fp8-2x8xh100-aws", false);
        pulumi.runtime.setAllConfig({ "aws:region": "us-east-2", "deepseek-sglang:cluster": JSON.stringify({ cloud: "aws", gpu: "H100", weights: "fp8" }) }, []);
        outputs = await program();
        const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
        if (waitForRPCs) await waitForRPCs();
    });

    const value = <T>(o: unknown) => new Promise<T>((resolve) => (o as pulumi.Output<T>).apply((v) => { resolve(v); return v; }));

    it("one gate per stack, fed the nodes' ids, the status location and the row's budget", async () => {
        const gates = registered.filter((r) => r.type === GATE_TYPE);
        assert.equal(gates.length, 1);
        const g = gates[0]!;
        assert.equal(g.name, "fp8-2x8xh100-aws-ready");
        const instances = registered.filter((r) => r.type === "aws:ec2/instance:Instance" && /-node-\d+$/.test(r.name)).map((r) => `${r.name}`);
        assert.equal(instances.length, 2);
        assert.deepEqual(g.inputs.nodeIds, await value<string[]>(outputs["nodeIds"]));
        assert.equal(g.inputs.statusLocation, await value<string>(outputs["statusLocation"]));
        assert.match(g.inputs.statusLocation, /^s3:\/\/.+\/status$/);
        assert.equal(g.inputs.nodes, 2);
        assert.deepEqual(g.inputs.budget, readinessBudget(planFor("fp8-2x8xh100-aws")));
        assert.equal(typeof g.inputs.__provider, "string", "the provider is serialized into the resource");
        assert.equal(g.custom, true);
    });

    it("the endpoint depends on the gate; servedAt is its output", async () => {
        const deps = await (outputs["endpoint"] as unknown as { allResources(): Promise<Set<pulumi.Resource>> }).allResources();
        const names = await Promise.all([...deps].map((r) => value<string>(r.urn)));
        assert.ok(names.some((u) => u.endsWith(`${GATE_TYPE}::fp8-2x8xh100-aws-ready`)), JSON.stringify(names));
        assert.ok("servedAt" in outputs);
    });

    it("one provider object per status store, so Pulumi serializes it once however many gates use it", () => {
        const store = s3StatusStore({ region: "us-east-2" });
        assert.equal(s3StatusStore({ region: "us-east-2" }), store, "equal options give the same store");
        assert.notEqual(s3StatusStore({ region: "us-west-2" }), store);
        assert.equal(providerFor(readinessProvider, store), providerFor(readinessProvider, store));
        assert.notEqual(providerFor(readinessProvider, store), providerFor(readinessProvider, s3StatusStore({ region: "us-west-2" })));
        assert.equal(gcsStatusStore(), gcsStatusStore());
    });
});

describe("readiness gate provider, serialized as Pulumi ships it", () => {
    let s3: FakeS3;
    let provider: pulumi.dynamic.ResourceProvider;
    const bucket = "stack-state-0a1b";
    const inputs: ReadinessGateInputs = {
        statusLocation: `s3://${bucket}/status`, nodeIds: ["i-0", "i-1"], nodes: 2,
        budget: { stages: { "fetch-weights": 60 }, totalSeconds: 300 }, pollSeconds: 0.02,
    };
    const now = (ds = 0) => new Date(Date.now() + ds * 1000).toISOString();

    before(async () => {
        fakeAwsCredentials();
        s3 = await new FakeS3(10).start();
        provider = await shippedProvider(providerFor(readinessProvider, s3StatusStore({ region: "us-east-2", endpoint: s3.url })), "gate-provider");
    });
    after(() => s3.stop());

    it("completes when rank 0 serves, through the progress of both nodes", async () => {
        s3.objects.clear();
        s3.put(bucket, "status/rank-0.json", { ...record(0, "fetch-weights", "running", 0, { fetchRound: 1 }), updatedAt: now() });
        s3.put(bucket, "status/rank-1.json", { ...record(1, "fetch-weights", "running", 0), updatedAt: now() });
        // The third poll finds both nodes serving.
        let lists = 0;
        s3.onList = () => {
            if (++lists !== 3) return;
            s3.put(bucket, "status/rank-0.json", { ...record(0, "readiness", "serving", 0), updatedAt: now() });
            s3.put(bucket, "status/rank-1.json", { ...record(1, "readiness", "serving", 0), updatedAt: now() });
        };
        try {
            const r = await provider.create(inputs);
            assert.match(r.id, /^s3:\/\/stack-state-0a1b\/status@\d{4}-/);
            assert.ok(Date.parse(r.outs.servedAt) > 0);
            assert.deepEqual(r.outs.nodeIds, ["i-0", "i-1"]);
            assert.equal(lists, 3, "it polled until serving, then stopped");
        } finally {
            s3.onList = null;
        }
    });

    it("a stale serving record from replaced nodes does not open the gate; a failed stage fails it", async () => {
        s3.objects.clear();
        s3.put(bucket, "status/rank-0.json", { ...record(0, "readiness", "serving", 0), updatedAt: now(-3600) });
        let lists = 0;
        s3.onList = () => {
            if (++lists !== 2) return;
            s3.put(bucket, "status/rank-1.json", {
                ...record(1, "precompile", "failed", 0), updatedAt: now(),
                lastError: { stage: "precompile", message: "DeepGEMM precompile failed (exit 137)", at: now() },
                logTail: { stage: "precompile", lines: ["Killed"] },
            });
        };
        try {
            await assert.rejects(provider.create(inputs), (e: Error) => {
                assert.equal(e.message, "rank 1 (10.42.0.11) failed in stage precompile: DeepGEMM precompile failed (exit 137)\nlast 1 log lines of precompile:\n  | Killed");
                return true;
            });
            assert.equal(lists, 2, "the stale serving record did not end the wait at the first poll");
        } finally {
            s3.onList = null;
        }
    });

    it("diff and update: new nodes re-arm the gate, a budget change does not wait again", async () => {
        const olds = { ...inputs, servedAt: "2026-12-02T05:00:00.000Z", waitedSeconds: 900 };
        assert.equal(gateMustRewait(olds, { ...inputs, nodeIds: ["i-0", "i-9"] }), true);
        assert.equal(gateMustRewait(olds, { ...inputs, budget: { stages: {}, totalSeconds: 99 } }), false);
        assert.equal((await provider.diff!("id", olds, { ...inputs, budget: { stages: {}, totalSeconds: 99 } })).changes, true);
        assert.equal((await provider.diff!("id", olds, inputs)).changes, false);
        const u = await provider.update!("id", olds, { ...inputs, budget: { stages: {}, totalSeconds: 99 } });
        assert.equal(u.outs.servedAt, olds.servedAt);
    });
});

describe("readiness gate provider over Cloud Storage, serialized as Pulumi ships it", () => {
    let gcs: FakeGcs;
    let provider: pulumi.dynamic.ResourceProvider;
    const bucket = "stack-state-9f8e";
    const inputs: ReadinessGateInputs = {
        statusLocation: `gs://${bucket}/status`, nodeIds: ["projects/p/zones/z/instances/n-0"], nodes: 1,
        budget: { stages: { "fetch-weights": 60 }, totalSeconds: 300 }, pollSeconds: 0.02,
    };
    before(async () => {
        gcs = await new FakeGcs(10).start();
        provider = await shippedProvider(providerFor(readinessProvider, gcsStatusStore({ apiEndpoint: gcs.url })), "gate-provider-gcs");
    });
    after(() => gcs.stop());

    it("completes when rank 0 serves after a real generation", async () => {
        gcs.put(bucket, "status/rank-0.json", { ...record(0, "precompile", "running", 0), updatedAt: new Date().toISOString() });
        let gets = 0;
        gcs.onGet = () => {
            if (++gets === 2) gcs.put(bucket, "status/rank-0.json", { ...record(0, "readiness", "serving", 0), updatedAt: new Date().toISOString() });
        };
        try {
            const r = await provider.create(inputs);
            assert.match(r.id, /^gs:\/\/stack-state-9f8e\/status@\d{4}-/);
            assert.ok(gets >= 2, "it polled until serving");
        } finally {
            gcs.onGet = null;
        }
    });
});
