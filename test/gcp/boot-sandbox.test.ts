// The boot pipeline's GCP branches, run for real in the sandbox of test/boot: the instance token
// from the metadata server, the Hugging Face token from Secret Manager, the weights mirror and the
// status record through `gcloud storage`. Stand-ins (test/gcp/standins) play the metadata server,
// Secret Manager and gcloud, each refusing what the real service would refuse.

import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { BootHooks } from "../../src/boot/hooks";
import { SCRIPTS_DIR } from "../../src/boot/render";
import { hooksFor, planOf } from "../boot/fixtures";
import { STANDINS, cleanupNode, makeNode, readJsonl, runScript, type SandboxNode } from "../boot/sandbox";
import { sampleRepo, startWeightsServer } from "../boot/weights-server";

const GCP_STANDINS = join(__dirname, "standins", "bin");
const HF_TOKEN = "hf_gcpSandboxTokenAbcdefghijkl";
const ACCESS_TOKEN = "ya29.sandbox-access-token";
const nodes: SandboxNode[] = [];
after(() => nodes.forEach(cleanupNode));

function gcpHooks(plan: ReturnType<typeof planOf>, mirror: boolean): BootHooks {
    return hooksFor(plan, {
        secrets: { hfToken: "projects/my-inference-project/secrets/box-hf-token", apiKey: "projects/my-inference-project/secrets/box-api-key" },
        weightsMirror: mirror ? `gs://box-weights/models/${plan.weights.sourceRepo}/main` : null,
        statusPrefix: "gs://box-state/status",
        cachePrefix: "gs://box-state/cache",
    });
}

test("GCP: the HF token comes from Secret Manager with the metadata server's token, weights from the gs:// mirror, status to gs://", async () => {
    const repo = sampleRepo();
    const plan = planOf("gcp", "fp8-8xh200");
    const hooks = gcpHooks(plan, true);
    const server = await startWeightsServer(repo, { token: HF_TOKEN }); // the manifest needs the token
    const node = makeNode(plan, 0, hooks, { DSBOOT_HF_ENDPOINT: server.url });
    nodes.push(node);
    const gcs = join(node.state, "gcs");
    const mirror = join(gcs, hooks.weightsMirror!.slice("gs://".length));
    mkdirSync(mirror, { recursive: true });
    for (const [p, data] of Object.entries(repo.files)) {
        mkdirSync(join(mirror, p, ".."), { recursive: true });
        writeFileSync(join(mirror, p), data);
    }
    mkdirSync(join(node.state, "gcp-secrets"), { recursive: true });
    writeFileSync(join(node.state, "gcp-secrets", hooks.secrets.hfToken!.replace(/\//g, "_")), `${HF_TOKEN}\n`);

    const r = await runScript(node, "fetch-weights.sh", 60_000, [], { PATH: `${GCP_STANDINS}:${STANDINS}/bin:${process.env.PATH}` });
    await server.close();
    assert.equal(r.code, 0, r.stderr);

    const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
    assert.equal(sha(readFileSync(join(node.root, plan.weights.hostDir, "config.json"))), sha(repo.files["config.json"]!));
    assert.ok(!server.requests.some((q) => q.path.includes("/resolve/")), "the bytes came from the mirror, not the Hub");
    const gcloud = readJsonl<{ argv: string[] }>(join(node.state, "gcloud.jsonl"));
    assert.ok(gcloud.some((c) => c.argv[0] === "storage" && c.argv[1] === "cp" && c.argv.some((a) => a.startsWith(hooks.weightsMirror!))), "mirror read with gcloud storage cp");

    const curls = readJsonl<{ argv: string[]; url: string; headers: string[] }>(join(node.state, "curl.jsonl"));
    const token = curls.find((c) => c.url.startsWith("http://metadata.google.internal/"));
    assert.ok(token && token.headers.includes("Metadata-Flavor: Google"), "instance token from the metadata server");
    const access = curls.find((c) => c.url === `https://secretmanager.googleapis.com/v1/${hooks.secrets.hfToken}/versions/latest:access`);
    assert.ok(access && access.headers.includes(`Authorization: Bearer ${ACCESS_TOKEN}`), "secret read with the instance token");
    for (const c of curls) assert.ok(!c.argv.join(" ").includes(ACCESS_TOKEN), "the access token never sits in curl's argv");

    const status = JSON.parse(readFileSync(join(gcs, "box-state/status/rank-0.json"), "utf8"));
    assert.equal(status.stages["fetch-weights"].state, "complete");
    const recorded = [join(node.state, "gcloud.jsonl"), join(node.state, "curl.jsonl"), join(gcs, "box-state/status/rank-0.json")].map((f) => readFileSync(f, "utf8")).join("\n");
    assert.ok(!recorded.includes(HF_TOKEN), "the HF token reaches neither argv nor the status record");
});

test("GCP: a secret Secret Manager does not have fails the stage, and the failure is published to gs://", async () => {
    const repo = sampleRepo();
    const plan = planOf("gcp", "fp8-8xh200");
    const hooks = gcpHooks(plan, false);
    const server = await startWeightsServer(repo, { token: HF_TOKEN });
    const node = makeNode(plan, 0, hooks, { DSBOOT_HF_ENDPOINT: server.url });
    nodes.push(node);
    const r = await runScript(node, "fetch-weights.sh", 60_000, [], { PATH: `${GCP_STANDINS}:${STANDINS}/bin:${process.env.PATH}` });
    await server.close();
    assert.notEqual(r.code, 0);
    const status = JSON.parse(readFileSync(join(node.state, "gcs", "box-state/status/rank-0.json"), "utf8"));
    assert.equal(status.state, "failed");
    assert.equal(status.stage, "fetch-weights");
    assert.match(JSON.stringify(status.lastError), /token|secret/i);
    // It got as far as Secret Manager, with a token, and was told 404.
    assert.ok(readJsonl<{ url: string }>(join(node.state, "curl.jsonl")).some((c) => c.url.includes("secretmanager.googleapis.com")));
});

/** The staging VM's last act, `stage-weights.sh --end-host` (its unit's ExecStopPost on failure, the script's own end on success). */
function stagingEnd(denials: number, attempts: number) {
    const plan = planOf("gcp", "fp8-8xh200");
    const node = makeNode(plan, 0, gcpHooks(plan, true));
    nodes.push(node);
    copyFileSync(join(SCRIPTS_DIR, "stage-weights.sh"), join(node.root, "opt/dsboot/bin/stage-weights.sh"));
    // Power-off must never reach this machine: systemctl and poweroff stand-ins that only record.
    const bin = join(node.state, "bin");
    mkdirSync(bin, { recursive: true });
    for (const cmd of ["systemctl", "poweroff"]) {
        writeFileSync(join(bin, cmd), `#!/bin/sh\necho "${cmd} $*" >>"$STANDIN_STATE/power.log"\n`, { mode: 0o755 });
    }
    writeFileSync(join(node.state, "compute-denials"), String(denials));
    return { node, run: () => runScript(node, "stage-weights.sh", 30_000, ["--end-host"], { PATH: `${bin}:${GCP_STANDINS}:${STANDINS}/bin:${process.env.PATH}`, DSBOOT_END_ATTEMPTS: String(attempts) }) };
}
const deletes = (node: SandboxNode) => readJsonl<{ url: string; method: string; headers: string[] }>(join(node.state, "curl.jsonl")).filter((c) => c.method === "DELETE");
const powerLog = (node: SandboxNode) => (existsSync(join(node.state, "power.log")) ? readFileSync(join(node.state, "power.log"), "utf8") : "");

test("GCP staging VM: it deletes itself through the Compute API (a stopped VM bills its disk), retrying while its grant applies", async () => {
    const { node, run } = stagingEnd(2, 5);
    const r = await run();
    assert.equal(r.code, 0, r.stderr);
    const calls = deletes(node);
    assert.equal(calls.length, 3, "two refusals (IAM not applied yet), then the delete");
    assert.equal(calls.at(-1)!.url, "https://compute.googleapis.com/compute/v1/projects/my-inference-project/zones/us-central1-a/instances/box-staging");
    assert.ok(calls.every((c) => c.headers.includes(`Authorization: Bearer ${ACCESS_TOKEN}`)), "with the instance's own token");
    assert.equal(powerLog(node), "", "deleted, so not powered off");
    assert.ok(!existsSync(join(node.state, "gcs", "box-state/status/rank-0.json")), "ending the host publishes no status over the stage's own");
});

test("GCP staging VM: a delete refused every time ends in power-off, bounded", async () => {
    const { node, run } = stagingEnd(99, 2);
    const r = await run();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(deletes(node).length, 2);
    assert.equal(powerLog(node), "systemctl poweroff --no-wall\n");
    assert.match(r.stderr, /could not delete this instance; powering off/);
});
