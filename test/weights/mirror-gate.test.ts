// The mirror-completion waiter GPU nodes depend on, as Pulumi ships its provider (serialized, loaded
// back) against an S3 stand-in: it completes on the staging host's record for this revision only.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { shippedProvider } from "../support/shipped-provider";
import { s3StatusStore } from "../../src/clouds/aws/status-store";
import { matchingRecord, mirrorCompleteProvider, stagingFailure, type MirrorCompleteInputs } from "../../src/weights/mirror-gate";
import { providerFor } from "../../src/readiness/provider";
import { MIRROR_COMPLETE_RECORD } from "../../src/weights/staging";
import { FakeS3, fakeAwsCredentials } from "../readiness/fake-s3";

const BUCKET = "stack-weights-9f";
const PREFIX = "models/deepseek-ai/DeepSeek-V3/main";
const RECORD = { repo: "deepseek-ai/DeepSeek-V3", revision: "main", commit: "0123456789abcdef0123456789abcdef01234567", manifest: "ab".repeat(32), files: 171, bytes: 688_600_000_000, converted: null, at: "2026-12-02T05:00:00Z" };

describe("mirror completion waiter", () => {
    let s3: FakeS3;
    let provider: pulumi.dynamic.ResourceProvider;
    const inputs: MirrorCompleteInputs = { recordUrl: `s3://${BUCKET}/${PREFIX}/${MIRROR_COMPLETE_RECORD}`, repo: RECORD.repo, revision: "main", timeoutSeconds: 300, pollSeconds: 0.02 };

    before(async () => {
        fakeAwsCredentials();
        s3 = await new FakeS3().start();
        provider = await shippedProvider(providerFor(mirrorCompleteProvider, s3StatusStore({ region: "us-east-2", endpoint: s3.url })), "mirror-provider");
    });
    after(() => s3.stop());

    it("waits while the record is absent, completes when the staging host writes it", async () => {
        s3.objects.clear();
        let gets = 0;
        s3.onGet = () => { if (++gets === 3) s3.put(BUCKET, `${PREFIX}/${MIRROR_COMPLETE_RECORD}`, RECORD); };
        try {
            const r = await provider.create(inputs);
            assert.equal(r.outs.commit, RECORD.commit);
            assert.equal(r.outs.manifest, RECORD.manifest);
            assert.equal(gets, 3);
        } finally {
            s3.onGet = null;
        }
    });

    it("another revision's record does not count; the wait ends at its timeout, saying where it looked", async () => {
        s3.objects.clear();
        s3.put(BUCKET, `${PREFIX}/${MIRROR_COMPLETE_RECORD}`, { ...RECORD, revision: "v0-old", commit: "f".repeat(40) });
        await assert.rejects(provider.create({ ...inputs, timeoutSeconds: 0.1 }), /the weights mirror is not complete after 0.1s: no completion record for deepseek-ai\/DeepSeek-V3@main at s3:\/\/stack-weights-9f\//);
    });

    it("a staging host that reports failed ends the wait at once with its stage, error and log tail", async () => {
        s3.objects.clear();
        const failed = {
            rank: 0, address: "10.0.0.4", stage: "fetch-weights", state: "failed", updatedAt: new Date().toISOString(), stages: {},
            lastError: { stage: "fetch-weights", message: "model-00007-of-00163.safetensors never verified", at: new Date().toISOString() },
            logTail: { stage: "fetch-weights", lines: ["sha256 mismatch: model-00007-of-00163.safetensors", "giving up after 3 rounds"] },
        };
        s3.put("stack-state-9f", "staging/rank-0.json", failed);
        const started = Date.now();
        await assert.rejects(
            provider.create({ ...inputs, stagingStatusUrl: "s3://stack-state-9f/staging/rank-0.json" }),
            (err: Error) => {
                assert.match(err.message, /the weights mirror will not complete: the staging host's rank 0 \(10\.0\.0\.4\) failed in stage fetch-weights: model-00007-of-00163\.safetensors never verified/);
                assert.match(err.message, /giving up after 3 rounds/);
                assert.match(err.message, /s3:\/\/stack-state-9f\/staging\/rank-0\.json/);
                return true;
            },
        );
        assert.ok(Date.now() - started < 5000, "failed at once, not at the 300 s timeout");
    });

    it("a failed record older than the wait (a previous staging host's) and a running one do not end it", () => {
        const now = Date.parse("2026-12-02T12:00:00Z");
        const rec = (state: string, at: string) => JSON.stringify({ rank: 0, stage: "fetch-weights", state, updatedAt: at, lastError: { message: "boom" } });
        assert.equal(stagingFailure(rec("failed", "2026-12-02T11:00:00Z"), now), null, "an hour old: a previous host's");
        assert.equal(stagingFailure(rec("running", "2026-12-02T12:00:05Z"), now), null);
        assert.equal(stagingFailure(null, now), null);
        assert.equal(stagingFailure("{", now), null);
        assert.match(stagingFailure(rec("failed", "2026-12-02T11:59:30Z"), now) ?? "", /failed in stage fetch-weights: boom/, "within the clock-skew allowance");
        assert.equal(stagingFailure(rec("failed", "not a time"), now), null, "no readable time: not known to be this host's");
        assert.equal(stagingFailure(JSON.stringify({ state: "failed", stage: "fetch-weights" }), now), null, "not a status record");
    });

    it("matchingRecord refuses what is not this revision's record", () => {
        assert.ok(matchingRecord(JSON.stringify(RECORD), RECORD.repo, "main"));
        assert.ok(matchingRecord(JSON.stringify(RECORD), RECORD.repo, RECORD.commit), "a pinned commit matches too");
        for (const body of [null, "", "{", JSON.stringify({ ...RECORD, repo: "other/repo" }), JSON.stringify({ ...RECORD, manifest: undefined })]) {
            assert.equal(matchingRecord(body, RECORD.repo, "main"), null, String(body));
        }
    });
});
