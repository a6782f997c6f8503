// `npm run status`: the records read through the real AWS SDK from a loopback S3 stand-in (and the
// real Cloud Storage client from a GCS stand-in), every node's stage, progress and last error
// printed, and the exit code the scripts rely on.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { parseS3Location, s3StatusStore } from "../../src/clouds/aws/status-store";
import { gcsStatusStore, parseGcsLocation } from "../../src/clouds/gcp/status-store";
import { cloudAdapter } from "../../src/clouds/registry";
import { formatReport, parseArgs, run, statusReport, UsageError } from "../../src/cli/status";
import { FakeGcs } from "./fake-gcs";
import { FakeS3, fakeAwsCredentials } from "./fake-s3";
import { planFor, record } from "./plans";

const LOCATION = "s3://fp8-2x8xh100-aws-state-1a2b3c/status";

describe("status over S3", () => {
    let s3: FakeS3;
    before(async () => {
        fakeAwsCredentials();
        s3 = await new FakeS3(2).start();
    });
    after(() => s3.stop());
    const store = () => s3StatusStore({ region: "us-east-2", endpoint: s3.url });

    it("reads every rank-N.json under the location, across list pages, and nothing else", async () => {
        s3.objects.clear();
        s3.put("fp8-2x8xh100-aws-state-1a2b3c", "status/rank-0.json", record(0, "precompile", "running", 100, { deepgemm: "compiling" }));
        s3.put("fp8-2x8xh100-aws-state-1a2b3c", "status/rank-1.json", record(1, "fetch-weights", "running", 100, { fetchRound: 2, filesToFetch: 17 }));
        s3.put("fp8-2x8xh100-aws-state-1a2b3c", "status/notes.txt", "not a record");
        s3.put("fp8-2x8xh100-aws-state-1a2b3c", "cache/deepgemm/k.tar.gz", "binary");
        const bodies = await store().read(LOCATION);
        assert.equal(bodies.length, 2);
        assert.ok(s3.requests.some((r) => r.includes("continuation-token=2")), "the second list page was read");
        assert.ok(s3.requests.every((r) => !r.includes("cache/")), "only the status prefix is listed");
    });

    it("prints each node's stage, progress and last error; exit 3 while booting", async () => {
        const plan = planFor("fp8-2x8xh100-aws");
        const report = await statusReport(plan, LOCATION, store());
        const lines = formatReport(plan, report, Date.parse("2026-12-02T04:05:00Z"));
        assert.match(lines[1]!, /^ {2}rank 0 {2}10\.42\.0\.10 {2}precompile running {2}deepgemm=compiling {2}\(updated 3m ago\)$/);
        assert.match(lines[2]!, /^ {2}rank 1 {2}10\.42\.0\.11 {2}fetch-weights running {2}fetchRound=2 filesToFetch=17/);
        assert.equal(lines.at(-1), "booting: not serving yet");
        const out: string[] = [];
        assert.equal(await run(["--stack", "fp8-2x8xh100-aws", "--location", LOCATION], (l) => out.push(l), () => {}, store()), 3);
    });

    it("a failed node: exit 1 with its stage, error and log tail; --json carries the records", async () => {
        s3.put("fp8-2x8xh100-aws-state-1a2b3c", "status/rank-1.json", record(1, "fetch-weights", "failed", 200, {
            lastError: { stage: "fetch-weights", message: "could not read the file list of deepseek-ai/DeepSeek-V3@main", at: "2026-12-02T04:03:20Z" },
            logTail: { stage: "fetch-weights", lines: ["curl: (22) The requested URL returned error: 401"] },
        }));
        const out: string[] = [];
        assert.equal(await run(["--stack", "fp8-2x8xh100-aws", "--location", LOCATION], (l) => out.push(l), () => {}, store()), 1);
        const text = out.join("\n");
        assert.match(text, /last error in fetch-weights .*could not read the file list/);
        assert.match(text, /FAILED: rank 1 \(10\.42\.0\.11\) failed in stage fetch-weights: could not read the file list[\s\S]*\| curl: \(22\)/);
        const json: string[] = [];
        await run(["--stack", "fp8-2x8xh100-aws", "--location", LOCATION, "--json"], (l) => json.push(l), () => {}, store());
        const doc = JSON.parse(json.join("\n"));
        assert.equal(doc.state, "failed");
        assert.deepEqual(doc.records.map((r: { rank: number }) => r.rank), [0, 1]);
    });

    it("serving: exit 0", async () => {
        s3.put("fp8-2x8xh100-aws-state-1a2b3c", "status/rank-0.json", record(0, "readiness", "serving", 300));
        s3.put("fp8-2x8xh100-aws-state-1a2b3c", "status/rank-1.json", record(1, "readiness", "serving", 300));
        const out: string[] = [];
        assert.equal(await run(["--stack", "fp8-2x8xh100-aws", "--location", LOCATION], (l) => out.push(l), () => {}, store()), 0);
        assert.equal(out.at(-1), "serving: rank 0 answered a real generation");
    });

    it("an S3 error is reported with the location, not a stack trace", async () => {
        s3.denied = true;
        try {
            const err: string[] = [];
            assert.equal(await run(["--stack", "fp8-2x8xh100-aws", "--location", LOCATION], () => {}, (l) => err.push(l), store()), 1);
            assert.match(err.join("\n"), /cannot read the status records: s3:\/\/fp8-2x8xh100-aws-state-1a2b3c\/status\/: AccessDenied/);
        } finally {
            s3.denied = false;
        }
    });
});

describe("status over Cloud Storage", () => {
    const BUCKET = "fp8-2x8xh100-gcp-state-1a2b3c";
    const GS = `gs://${BUCKET}/status`;
    let gcs: FakeGcs;
    before(async () => {
        gcs = await new FakeGcs(2).start();
    });
    after(() => gcs.stop());
    const store = () => gcsStatusStore({ apiEndpoint: gcs.url });

    it("reads every rank-N.json under the location, across list pages, and nothing else", async () => {
        gcs.put(BUCKET, "status/rank-0.json", record(0, "pull-image", "running", 100));
        gcs.put(BUCKET, "status/rank-1.json", record(1, "fetch-weights", "running", 100, { fetchRound: 1 }));
        gcs.put(BUCKET, "status/rank-2.json", record(2, "fetch-weights", "running", 100));
        gcs.put(BUCKET, "status/notes.txt", "not a record");
        gcs.put(BUCKET, "cache/deepgemm/k.tar.gz", "binary");
        const bodies = await store().read(GS);
        assert.deepEqual(bodies.map((b) => JSON.parse(b).rank).sort(), [0, 1, 2]);
        assert.ok(gcs.requests.some((r) => r.includes("pageToken=2")), "the second list page was read");
        assert.ok(gcs.requests.every((r) => !r.includes("cache")), "only the status prefix is listed");
    });

    it("one object: its body, null when absent (the mirror's completion record), an error names the URL", async () => {
        gcs.put(BUCKET, "models/m/r/.dsboot-mirror-complete.json", { repo: "m" });
        assert.deepEqual(JSON.parse((await store().readObject(`gs://${BUCKET}/models/m/r/.dsboot-mirror-complete.json`))!), { repo: "m" });
        assert.equal(await store().readObject(`gs://${BUCKET}/models/m/other/.dsboot-mirror-complete.json`), null);
        await assert.rejects(store().readObject("s3://b/k"), /not a gs:\/\/bucket\/object URL/);
        gcs.denied = true;
        try {
            await assert.rejects(store().readObject(`gs://${BUCKET}/x.json`), (e: Error) => e.message.startsWith(`gs://${BUCKET}/x.json: HTTP 403: `));
        } finally {
            gcs.denied = false;
        }
    });

    it("the status command over GCS: a failed node exits 1; a denied bucket is reported with the location", async () => {
        gcs.objects.clear();
        gcs.put(BUCKET, "status/rank-0.json", record(0, "precompile", "running", 100));
        gcs.put(BUCKET, "status/rank-1.json", record(1, "fetch-weights", "failed", 200, {
            lastError: { stage: "fetch-weights", message: "disk full: 700 GB needed, 300 free", at: "2026-12-02T04:03:20Z" },
        }));
        const out: string[] = [];
        assert.equal(await run(["--stack", "fp8-2x8xh100-gcp", "--location", GS], (l) => out.push(l), () => {}, store()), 1);
        assert.match(out.join("\n"), /FAILED: rank 1 .* failed in stage fetch-weights: disk full/);
        gcs.denied = true;
        try {
            const err: string[] = [];
            assert.equal(await run(["--stack", "fp8-2x8xh100-gcp", "--location", GS], () => {}, (l) => err.push(l), store()), 1);
            assert.match(err.join("\n"), new RegExp(`cannot read the status records: gs://${BUCKET}/status/: HTTP 403`));
        } finally {
            gcs.denied = false;
        }
    });
});

describe("status arguments and adapters", () => {
    it("bad arguments: every problem, exit 2", async () => {
        assert.throws(() => parseArgs(["--frob", "--location"]), (e: Error) => e instanceof UsageError && /unknown argument --frob/.test(e.message) && /--location needs a value/.test(e.message) && /--stack is required/.test(e.message));
        const err: string[] = [];
        assert.equal(await run(["--stack", "no-such-stack", "--location", LOCATION], () => {}, (l) => err.push(l)), 2);
        assert.match(err[0]!, /no file stacks\/Pulumi\.no-such-stack\.yaml/);
    });

    it("the AWS adapter provides the S3 reader; s3 locations parse", () => {
        assert.ok(cloudAdapter("aws").statusStore?.("us-east-2"));
        assert.deepEqual(parseS3Location("s3://b/status"), { bucket: "b", prefix: "status/" });
        assert.deepEqual(parseS3Location("s3://b"), { bucket: "b", prefix: "" });
        assert.throws(() => parseS3Location("gs://b/status"), /not an s3:\/\/bucket\/prefix/);
    });

    it("the GCP adapter provides the Cloud Storage reader; gs locations parse", () => {
        assert.ok(cloudAdapter("gcp").statusStore?.("us-central1"));
        assert.deepEqual(parseGcsLocation("gs://b/status/"), { bucket: "b", prefix: "status/" });
        assert.deepEqual(parseGcsLocation("gs://b"), { bucket: "b", prefix: "" });
        assert.throws(() => parseGcsLocation("s3://b/status"), /not a gs:\/\/bucket\/prefix/);
    });
});
