// What staging costs and saves per row, in the plan; the completion record's name shared with the script.

import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SCRIPTS_DIR } from "../../src/boot/render";
import { HF_BYTES_PER_S, MIRROR_BYTES_PER_S, MIRROR_COMPLETE_RECORD, stagingEstimate } from "../../src/weights/staging";
import { AWS_STAGING_HOST } from "../../src/clouds/aws/adapter";
import { planFor } from "../readiness/plans";

describe("staging estimate", () => {
    it("FP8: the GPU hours a first boot bills while ~690 GB cross the internet, less the mirror copy", () => {
        const plan = planFor("fp8-8xh200-aws");
        const e = stagingEstimate(plan, AWS_STAGING_HOST);
        const want = plan.weights.bytes / HF_BYTES_PER_S / 3600 - plan.weights.bytes / MIRROR_BYTES_PER_S / 3600;
        assert.ok(Math.abs(e.gpuHoursAvoided - want) < 0.01);
        assert.ok(Math.abs(e.savedUsd! - want * plan.costPerHour!) < 0.01);
        assert.equal(e.stagingCostUsd, null, "no sourced price for the staging host: said, not guessed");
    });

    it("BF16 rows also move the conversion off the GPUs", () => {
        const bf16 = stagingEstimate(planFor("bf16-2x8xh200-aws"), AWS_STAGING_HOST);
        const fp8 = stagingEstimate(planFor("fp8-8xh200-aws"), AWS_STAGING_HOST);
        assert.ok(bf16.gpuHoursAvoided > fp8.gpuHoursAvoided + 3);
        assert.ok(bf16.bytes > 2e12);
    });

    it("the script and the library name the completion record alike", () => {
        assert.match(readFileSync(join(SCRIPTS_DIR, "stage-weights.sh"), "utf8"), new RegExp(`DSBOOT_MIRROR_COMPLETE:=${MIRROR_COMPLETE_RECORD.replace(/\./g, "\\.")}\\}`));
    });
});

describe("which clouds stage", () => {
    it("AWS and GCP stage on their own host unless the mirror is off; hosts and Azure do not", () => {
        const { cloudAdapter } = require("../../src/clouds/registry") as typeof import("../../src/clouds/registry");
        for (const [stack, type] of [["fp8-8xh200-aws", "c5n.18xlarge"], ["fp8-8xh200-gcp", "c3-standard-22"]] as const) {
            const plan = planFor(stack);
            assert.equal(cloudAdapter(plan.cloud).stagingHost?.(plan.placement)?.type, type, stack);
            const off = { ...plan.placement, settings: { ...(plan.placement.settings as object), weightsBucket: { create: false } } };
            assert.equal(cloudAdapter(plan.cloud).stagingHost?.(off), null, `${stack} with weightsBucket.create: false`);
            const named = { ...plan.placement, settings: { ...(plan.placement.settings as object), weightsBucket: { create: false, name: "team-weights" } } };
            assert.equal(cloudAdapter(plan.cloud).stagingHost?.(named)?.type, type, `${stack} with a named mirror`);
        }
        for (const stack of ["fp8-2x8xh100-hosts", "fp8-8xmi300x-azure"]) assert.equal(cloudAdapter(planFor(stack).cloud).stagingHost, undefined, stack);
    });
});
