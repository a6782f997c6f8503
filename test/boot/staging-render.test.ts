// The staging host's user data: cloud-init's own validator, shellcheck on the scripts as shipped,
// systemd-analyze verify on its unit, and what its boot.env and files say for FP8 and BF16 rows.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { encodeUserData, renderStagingUserData, renderUserData, stagingSettings, STAGING_UNIT, USER_DATA_LIMITS } from "../../src/boot/index";
import { validateCloudConfigs } from "../validators/cloud-init";
import { coveredPlans, hooksFor, planOf } from "./fixtures";
import { commandExists, writeUserDataFiles } from "./sandbox";
import { shellcheck } from "../support/shellcheck";
import { needs } from "../support/requirements";

interface Doc {
    packages: string[];
    write_files: { path: string; permissions: string; content: string }[];
    runcmd: string[][];
}
const STAGING_STATUS = { aws: "s3://dsboot-status-123/stack-staging", gcp: "gs://dsboot-status/stack-staging" } as const;
const cases = coveredPlans()
    .filter(({ plan }) => plan.cloud === "aws" || plan.cloud === "gcp")
    .map(({ name, plan }) => {
        const hooks = hooksFor(plan, { statusPrefix: STAGING_STATUS[plan.cloud as "aws" | "gcp"] });
        return { name, plan, hooks, userData: renderStagingUserData(plan, hooks) };
    });
const files = (text: string) => (parse(text) as Doc).write_files;
const fileAt = (text: string, path: string) => files(text).find((f) => f.path === path)?.content;
const envOf = (text: string) => Object.fromEntries(fileAt(text, "/etc/dsboot/boot.env")!.trim().split("\n").map((l) => {
    const i = l.indexOf("=");
    return [l.slice(0, i), l.slice(i + 2, -1)];
}));

test("cloud-init schema accepts the staging user data of every AWS and GCP stack, and rejects a broken one", () => {
    assert.ok(cases.some((c) => c.plan.weights.conversion) && cases.some((c) => !c.plan.weights.conversion), "covers FP8 and BF16 rows");
    const broken = cases[0]!.userData.replace("packages:", "packages: 5\nxpackages:");
    const results = validateCloudConfigs([...cases.map((c) => ({ name: c.name, text: c.userData })), { name: "broken", text: broken }]);
    for (const c of cases) assert.equal(results.get(c.name), null, `${c.name}: ${results.get(c.name)}`);
    assert.notEqual(results.get("broken"), null, "the validator must be able to fail");
});

test("staging user data fits each cloud's cap in the form sent", () => {
    for (const c of cases) {
        const sent = encodeUserData(c.userData, USER_DATA_LIMITS[c.plan.cloud]);
        assert.ok(sent.bytes <= USER_DATA_LIMITS[c.plan.cloud], `${c.name}: ${sent.bytes} B`);
    }
});

test("the staging host gets the transfer scripts, its unit enabled and started, numpy, and no GPU stage", () => {
    for (const c of cases) {
        const doc = parse(c.userData) as Doc;
        const bins = doc.write_files.filter((f) => f.path.startsWith("/opt/dsboot/bin/")).map((f) => f.path.slice("/opt/dsboot/bin/".length)).sort();
        const converter = c.plan.weights.conversion !== null && !c.hooks.toolsPrefix;
        assert.deepEqual(bins, ["dsboot-tool.py", "fetch-weights.sh", "lib.sh", "mirror-record.py", "stage-weights.sh", ...(converter ? ["fp8-to-bf16.py"] : [])].sort(), c.name);
        assert.deepEqual(doc.write_files.filter((f) => f.path.startsWith("/etc/systemd/")).map((f) => f.path), [`/etc/systemd/system/${STAGING_UNIT}`]);
        assert.ok(doc.packages.includes("python3-numpy"));
        assert.deepEqual(doc.runcmd, [["systemctl", "daemon-reload"], ["systemctl", "enable", STAGING_UNIT], ["systemctl", "start", "--no-block", STAGING_UNIT]]);
        // ...and GPU nodes never get the staging unit or script.
        const gpu = renderUserData(c.plan, 0, hooksFor(c.plan));
        assert.ok(!files(gpu).some((f) => f.path.endsWith(STAGING_UNIT) || f.path.endsWith("/stage-weights.sh")), c.name);
    }
});

test("staging boot.env: rank 0 of the row, mirror writable, conversion on the host, power-off, its own status prefix, secret references only", () => {
    for (const c of cases) {
        const env = envOf(c.userData);
        assert.equal(env.DSBOOT_RANK, "0");
        assert.equal(env.DSBOOT_WEIGHTS_MIRROR, c.hooks.weightsMirror);
        assert.equal(env.DSBOOT_WEIGHTS_MIRROR_WRITABLE, "1");
        assert.equal(env.DSBOOT_STAGE_POWEROFF, "1");
        assert.equal(env.DSBOOT_CONVERT_ON_HOST, "1");
        assert.equal(env.DSBOOT_CONVERT, c.plan.weights.conversion ? "1" : "0");
        assert.equal(env.DSBOOT_STATUS_PREFIX, STAGING_STATUS[c.plan.cloud as "aws" | "gcp"]);
        assert.equal(env.DSBOOT_SECRET_HF_TOKEN, c.hooks.secrets.hfToken ?? "");
        assert.equal(env.DSBOOT_MODEL_REVISION, c.plan.weights.revision);
        if (c.plan.weights.conversion) assert.equal(env.DSBOOT_CONVERTED_STORE, `${c.hooks.weightsMirror}/dsboot-bf16`);
        for (const f of files(c.userData)) assert.doesNotMatch(f.content, /hf_[A-Za-z0-9]{20,}/);
    }
    // Even a read-only mirror hook is written by the staging host: filling it is its job.
    const plan = planOf("aws", "fp8-8xh200");
    assert.equal(stagingSettings(plan, hooksFor(plan, { weightsMirrorWritable: false })).DSBOOT_WEIGHTS_MIRROR_WRITABLE, "1");
    assert.throws(() => renderStagingUserData(plan, hooksFor(plan, { weightsMirror: null })), /needs a weights mirror/);
});

test("a BF16 row: the GPU nodes read the conversion where the staging host stored it, even from a mirror they may not write", () => {
    const plan = planOf("gcp", "bf16-2x8xh200");
    const readOnly = hooksFor(plan, { weightsMirror: "gs://team-weights/models/m/r", weightsMirrorWritable: false, weightsStaged: true });
    const staged = envOf(renderStagingUserData(plan, readOnly)).DSBOOT_CONVERTED_STORE;
    assert.equal(staged, "gs://team-weights/models/m/r/dsboot-bf16");
    for (const rank of [0, 1]) assert.equal(envOf(renderUserData(plan, rank, readOnly)).DSBOOT_CONVERTED_STORE, staged, `rank ${rank}`);
    // Without a staging host a read-only mirror cannot take rank 0's conversion: it goes to the cache prefix.
    const unstaged = envOf(renderUserData(plan, 0, { ...readOnly, weightsStaged: false })).DSBOOT_CONVERTED_STORE;
    assert.ok(unstaged?.startsWith(`${readOnly.cachePrefix}/bf16/`), unstaged);
});

test("shellcheck passes the staging scripts as shipped", needs(!commandExists("shellcheck") && "shellcheck is not installed"), () => {
    const root = mkdtempSync(join(tmpdir(), "dsboot-stage-sc-"));
    try {
        const bf16 = cases.find((c) => c.plan.weights.conversion)!;
        writeUserDataFiles(bf16.userData, root);
        const bin = join(root, "opt/dsboot/bin");
        const shipped = readdirSync(bin).filter((f) => f.endsWith(".sh"));
        assert.deepEqual(shipped.sort(), ["fetch-weights.sh", "lib.sh", "stage-weights.sh"]);
        const r = shellcheck(bin, ["-x", "--severity=warning", "-e", "SC1091"], shipped);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
});

test("systemd-analyze verify accepts the staging unit as shipped, and rejects it without its script", needs(!commandExists("systemd-analyze") && "systemd-analyze is not installed"), () => {
    const root = mkdtempSync(join(tmpdir(), "dsboot-stage-unit-"));
    try {
        writeUserDataFiles(cases[0]!.userData, root);
        cpSync("/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, dereference: false });
        // ExecStopPost's interpreter, present on every image.
        mkdirSync(join(root, "bin"), { recursive: true });
        writeFileSync(join(root, "bin/bash"), "#!/bin/sh\n");
        chmodSync(join(root, "bin/bash"), 0o755);
        const unit = join(root, "etc/systemd/system", STAGING_UNIT);
        const verify = () => spawnSync("systemd-analyze", ["verify", `--root=${root}`, unit], { encoding: "utf8" });
        const ok = verify();
        assert.equal(ok.status, 0, ok.stdout + ok.stderr);
        assert.equal(ok.stderr.trim(), "", ok.stderr);
        rmSync(join(root, "opt/dsboot/bin/stage-weights.sh"));
        assert.notEqual(verify().status, 0, "verify must be able to fail");
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
});
