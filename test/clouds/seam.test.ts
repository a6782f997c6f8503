// The cloud seam: every cloud has one adapter in the registry, the pure layers load no Pulumi SDK,
// and the shared address checks hold for the clouds that use them.

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { CLOUD_IDS } from "../../src/catalog/index";
import { CLOUD_ADAPTERS, cloudAdapter, hasComponent } from "../../src/clouds/registry";
import { checkClusterNetwork, clusterAddresses, type SubnetRules } from "../../src/plan/addresses";
import { planFromConfig } from "../../src/plan/index";
import { TS_NODE_ARGS } from "../support/ts-child";

const ROOT = path.resolve(__dirname, "../..");

describe("the registry", () => {
    it("has one adapter per cloud id, keyed by its own id", () => {
        assert.deepEqual(Object.keys(CLOUD_ADAPTERS).sort(), [...CLOUD_IDS].sort());
        for (const id of CLOUD_IDS) assert.equal(cloudAdapter(id).id, id);
    });
    it("a cloud without a component previews its user data from planned hooks instead", () => {
        for (const id of CLOUD_IDS) {
            const a = cloudAdapter(id);
            assert.ok(hasComponent(id) ? a.preview !== undefined : a.plannedHooks !== undefined, id);
        }
    });
});

describe("pulumi up ends when the model answers", () => {
    it("every cloud with a component stages (a staging host) and gates (a status store); every AWS and GCP stack keeps its mirror, so it stages", () => {
        const { listStacks, readStackFile } = require("../../src/config") as typeof import("../../src/config");
        for (const id of ["aws", "gcp"] as const) {
            assert.ok(cloudAdapter(id).stagingHost, `${id}: stages nowhere`);
            assert.ok(cloudAdapter(id).statusStore?.("us-east-2"), `${id}: no status store, so no readiness gate`);
        }
        let checked = 0;
        for (const s of listStacks(ROOT)) {
            const c = readStackFile(path.join(ROOT, "stacks", `Pulumi.${s}.yaml`), s);
            const r = planFromConfig(c.values, { stack: s, secretKeys: c.secretKeys });
            assert.ok(r.ok, s);
            if (r.plan.cloud !== "aws" && r.plan.cloud !== "gcp") continue;
            const block = (r.plan.placement.settings ?? {}) as { weightsBucket?: { create?: boolean; name?: string } };
            assert.ok(block.weightsBucket?.create !== false || block.weightsBucket.name !== undefined, `${s} turns its mirror off, so nothing is staged`);
            checked++;
        }
        assert.equal(checked, 17, "9 AWS and 8 GCP stacks");
    });
});

describe("the pure layers", () => {
    it("plan and render every stack without loading a Pulumi SDK", () => {
        // A fresh process: the test runner itself may have loaded Pulumi for other files.
        const script = `
            const { planFromConfig } = require("./src/plan/index");
            const { renderUserData } = require("./src/boot/index");
            const { cloudAdapter } = require("./src/clouds/registry");
            const { listStacks, readStackFile } = require("./src/config");
            let planned = 0;
            for (const s of listStacks(".")) {
                const c = readStackFile("stacks/Pulumi." + s + ".yaml", s);
                const r = planFromConfig(c.values, { stack: s, secretKeys: c.secretKeys });
                if (!r.ok) throw new Error(s + " does not plan");
                const hooks = cloudAdapter(r.plan.cloud).plannedHooks?.(r.plan, { hfToken: false });
                if (hooks) renderUserData(r.plan, 0, hooks);
                planned++;
            }
            const loaded = Object.keys(require.cache).filter((f) => f.includes("node_modules/@pulumi/"));
            process.stdout.write(JSON.stringify({ planned, loaded }));`;
        const out = JSON.parse(execFileSync(process.execPath, [...TS_NODE_ARGS, "-e", script], { cwd: ROOT, encoding: "utf8" }));
        assert.ok(out.planned > 0);
        assert.deepEqual(out.loaded, []);
    });
});

describe("shared cluster-network checks", () => {
    const RULES: SubnetRules = { cloudName: "X", defaultSubnetCidr: "10.43.0.0/24", firstHostOffset: 10, reservedLow: 2, reservedHigh: 2, minPrefix: 8, maxPrefix: 29 };
    const path = (f: string) => `blk.${f}`;
    it("accepts the defaults and derives consecutive addresses", () => {
        assert.deepEqual(checkClusterNetwork({}, 4, RULES, path), []);
        assert.deepEqual(clusterAddresses({}, 2, RULES), ["10.43.0.10", "10.43.0.11"]);
    });
    it("lists every problem at once, each with its path", () => {
        const problems = checkClusterNetwork({ subnetCidr: "10.1.0.0/24", privateIps: ["10.1.0.1", "10.1.1.9", "10.1.0.254", "10.1.0.20", "10.1.0.20"], allowedCidrs: ["0.0.0.0/0"] }, 4, RULES, path);
        assert.deepEqual(problems.map((p) => p.path), ["blk.privateIps", "blk.privateIps[0]", "blk.privateIps[1]", "blk.privateIps[2]", "blk.privateIps[4]", "blk.allowedCidrs[0]"]);
        assert.match(problems[1]!.reason, /reserves/);
        assert.match(problems[2]!.reason, /outside the subnet/);
        assert.match(problems[4]!.reason, /twice/);
    });
    it("refuses subnets outside the cloud's prefix range or with host bits, and a public allow-list only without opt-in", () => {
        assert.match(checkClusterNetwork({ subnetCidr: "10.1.0.0/30" }, 1, RULES, path)[0]!.reason, /between \/8 and \/29/);
        assert.match(checkClusterNetwork({ subnetCidr: "10.1.0.5/24" }, 1, RULES, path)[0]!.reason, /host bits/);
        assert.match(checkClusterNetwork({ subnetCidr: "10.1.0.0/28" }, 8, RULES, path)[0]!.reason, /no room for 8/);
        assert.deepEqual(checkClusterNetwork({ allowedCidrs: ["0.0.0.0/0"], allowPublicCidr: true }, 1, RULES, path), []);
    });
    it("the planner reports them under the cloud's block", () => {
        const r = planFromConfig({ "azure-native:location": "eastus", "deepseek-sglang:cluster": { cloud: "azure", gpu: "MI300X", weights: "fp8", azure: { privateIps: ["10.44.0.2"] } } }, { stack: null });
        assert.ok(!r.ok);
        assert.deepEqual(r.problems.map((p) => p.path), ["deepseek-sglang:cluster.azure.privateIps[0]"]);
    });
});
