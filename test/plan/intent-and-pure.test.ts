import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { cidrContains, hostAddresses, intToIpv4, ipv4ToInt } from "../../src/plan/addresses";
import { weightsFit } from "../../src/plan/memory";
import { GPUS } from "../../src/catalog/index";
import { parseDeploymentConfig } from "../../src/intent/parse";
import type { ClusterConfig } from "../../src/intent/schema";

describe("addresses", () => {
    it("round-trips IPv4", () => {
        fc.assert(fc.property(fc.nat(2 ** 32 - 1), (n) => ipv4ToInt(intToIpv4(n)) === n));
    });
    it("derives consecutive hosts inside the subnet and refuses a subnet too small", () => {
        assert.deepEqual(hostAddresses("10.42.0.0/24", 10, 4), ["10.42.0.10", "10.42.0.11", "10.42.0.12", "10.42.0.13"]);
        assert.equal(hostAddresses("10.42.0.0/28", 10, 5), null);
        fc.assert(fc.property(fc.integer({ min: 16, max: 26 }), fc.integer({ min: 1, max: 8 }), (prefix, n) => {
            const cidr = `10.0.0.0/${prefix}`;
            const list = hostAddresses(cidr, 10, n);
            return list === null || list.every((ip) => cidrContains(cidr, ip));
        }));
    });
});

describe("memory fit", () => {
    it("matches the table: FP8 fits 8 x H200 and 2 x 8 x H100 but not 1 x 8 x H100", () => {
        assert.ok(weightsFit(689e9, GPUS.H200, 1, 8).fits);
        assert.ok(weightsFit(689e9, GPUS.H100, 2, 8).fits);
        assert.ok(!weightsFit(689e9, GPUS.H100, 1, 8).fits);
    });
    it("more nodes never make a fitting plan stop fitting", () => {
        fc.assert(fc.property(fc.integer({ min: 1e9, max: 3e12 }), fc.integer({ min: 1, max: 8 }), (bytes, n) => {
            for (const gpu of Object.values(GPUS)) if (weightsFit(bytes, gpu, n, 8).fits) assert.ok(weightsFit(bytes, gpu, n + 1, 8).fits);
        }));
    });
});

describe("spec", () => {
    it("requires the cluster key", () => {
        const r = parseDeploymentConfig({}, { stack: null });
        assert.ok(!r.ok && r.problems[0]!.path === "deepseek-sglang:cluster");
    });
    it("refuses unknown deepseek-sglang:* keys and reads the chosen cloud's region", () => {
        const r = parseDeploymentConfig({ "deepseek-sglang:cluster": { cloud: "aws", gpu: "H200", weights: "fp8" }, "deepseek-sglang:clustr": 1 }, { stack: null });
        assert.ok(!r.ok && r.problems.some((p) => p.path === "deepseek-sglang:clustr"));
        const ok = parseDeploymentConfig({ "deepseek-sglang:cluster": { cloud: "aws", gpu: "H200", weights: "fp8" }, "aws:region": "us-east-2" }, { stack: "s" });
        assert.ok(ok.ok && ok.spec.region === "us-east-2");
    });
    it("accepts a secret hfToken under pulumi up (secret keys from the runtime)", () => {
        const r = parseDeploymentConfig({ "deepseek-sglang:cluster": { cloud: "aws", gpu: "H200", weights: "fp8" }, "aws:region": "us-east-2", "deepseek-sglang:hfToken": "hf_x" }, { stack: null, secretKeys: new Set(["deepseek-sglang:hfToken"]) });
        assert.ok(r.ok && r.spec.hfToken);
    });
});

describe("the public config type", () => {
    it("names the clouds, GPUs and weights formats as literal unions (checked by `npm run typecheck`)", () => {
        const ok: Pick<ClusterConfig, "cloud" | "gpu" | "weights"> = { cloud: "gcp", gpu: "MI300X", weights: "bf16" };
        // @ts-expect-error a cloud the library does not know
        const cloud: ClusterConfig["cloud"] = "oci";
        // @ts-expect-error a GPU the library does not know
        const gpu: ClusterConfig["gpu"] = "B200";
        // @ts-expect-error a weights format the library does not know
        const weights: ClusterConfig["weights"] = "fp4";
        assert.deepEqual([ok.cloud, cloud, gpu, weights], ["gcp", "oci", "B200", "fp4"]);
    });
});
