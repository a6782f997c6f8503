// Inputs a user or an attacker can get wrong: addresses, secrets, control characters, revisions,
// regions, YAML, user data size. Each refusal names its config path, once; the corpus of valid
// unusual stack files must plan.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { run } from "../../src/cli/plan";
import { mustPlan, problemsOf } from "./helpers";

const P = "deepseek-sglang:cluster";
const H200 = { cloud: "aws", gpu: "H200", weights: "fp8" };
const CORPUS = path.join(__dirname, "corpus");

function one(problems: { path: string; reason: string }[], at: string, pattern: RegExp): void {
    const lines = problems.map((p) => `${p.path}: ${p.reason}`);
    assert.equal(problems.length, 1, `expected one problem, got:\n${lines.join("\n")}`);
    assert.equal(problems[0]!.path, at, lines.join("\n"));
    assert.match(problems[0]!.reason, pattern);
}

async function planFile(yaml: string): Promise<{ code: number; out: string; err: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "validate-inputs-"));
    const file = path.join(dir, "stack.yaml");
    fs.writeFileSync(file, yaml);
    let out = "";
    let err = "";
    const code = await run(["--config", file], (s) => (out += s), (s) => (err += s));
    fs.rmSync(dir, { recursive: true });
    return { code, out, err };
}

describe("addresses on every cloud", () => {
    const clouds: [string, Record<string, unknown>, Record<string, unknown>][] = [
        ["aws", { cloud: "aws", gpu: "H100", weights: "fp8" }, {}],
        ["gcp", { cloud: "gcp", gpu: "H100", weights: "fp8" }, {}],
        ["azure", { cloud: "azure", gpu: "H100", weights: "fp8" }, {}],
    ];
    it("octets, prefix lengths, host bits and repeats in allowedCidrs", () => {
        for (const [cloud, base] of clouds) {
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: ["10.0.0.256/24"] } }), `${P}.${cloud}.allowedCidrs[0]`, /octet 0-255/);
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: ["10.0.0.0/33"] } }), `${P}.${cloud}.allowedCidrs[0]`, /\/0 to \/32/);
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: ["10.0.0.7/24"] } }), `${P}.${cloud}.allowedCidrs[0]`, /host bits set; did you mean 10.0.0.0\/24/);
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: ["10.0.0.0/8", "10.1.0.0/16"] } }), `${P}.${cloud}.allowedCidrs[1]`, /already covered by 10.0.0.0\/8/);
        }
    });
    it("public exposure is judged by what the union covers, with the explicit opt-in", () => {
        for (const [cloud, base] of clouds) {
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } }), `${P}.${cloud}.allowedCidrs`, /together .* the whole internet/);
            const quarters = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"];
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: quarters } }), `${P}.${cloud}.allowedCidrs`, /together .* the whole internet/);
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: ["10.0.0.0/8", "0.0.0.0/1"] } }), `${P}.${cloud}.allowedCidrs[1]`, /0.0.0.0\/1 opens the API port to/);
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: ["0.0.0.0/0"] } }), `${P}.${cloud}.allowedCidrs[0]`, /whole internet/);
            const manySlash9s = Array.from({ length: 4 }, (_, i) => `${20 + 2 * i}.0.0.0/9`);
            one(problemsOf({ ...base, [cloud]: { allowedCidrs: manySlash9s } }), `${P}.${cloud}.allowedCidrs`, /public addresses, more than a \/8/);
            mustPlan({ ...base, [cloud]: { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"], allowPublicCidr: true } });
            mustPlan({ ...base, [cloud]: { allowedCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.0/24"] } });
        }
    });
    it("fixed private IPs: octets, repeats, outside the subnet", () => {
        for (const [cloud, base] of clouds) {
            const subnet = cloud === "aws" ? "10.42.0.0/24" : cloud === "gcp" ? "10.43.0.0/24" : "10.44.0.0/24";
            const ip = (n: number) => subnet.replace("0/24", String(n));
            assert.match(problemsOf({ ...base, [cloud]: { privateIps: [ip(20), "10.9.300.1"] } }).find((p) => p.path === `${P}.${cloud}.privateIps[1]`)!.reason, /not a valid IPv4/);
            one(problemsOf({ ...base, [cloud]: { privateIps: [ip(20), ip(20)] } }), `${P}.${cloud}.privateIps[1]`, /listed twice/);
            one(problemsOf({ ...base, [cloud]: { privateIps: [ip(20), "192.168.1.1"] } }), `${P}.${cloud}.privateIps[1]`, /outside the subnet/);
        }
    });
    it("hosts: loopback and link-local refused for multi-node ranks, repeats, non-host addresses", () => {
        const hosts = (addresses: string[], nodes?: number) => ({ cloud: "hosts", gpu: "H20", weights: "fp8", ...(nodes ? { nodes } : {}), hosts: { addresses } });
        one(problemsOf(hosts(["127.0.0.1", "10.0.0.2"])), `${P}.hosts.addresses[0]`, /loopback/);
        one(problemsOf(hosts(["10.0.0.1", "169.254.3.4"])), `${P}.hosts.addresses[1]`, /link-local/);
        one(problemsOf(hosts(["10.0.0.1", "10.0.0.1"])), `${P}.hosts.addresses[1]`, /listed twice/);
        one(problemsOf(hosts(["10.0.0.1", "224.0.0.5"])), `${P}.hosts.addresses[1]`, /multicast/);
        one(problemsOf(hosts(["10.0.0.1", "255.255.255.255"])), `${P}.hosts.addresses[1]`, /broadcast/);
        one(problemsOf(hosts(["10.0.0.1", "10.0.0.999"])), `${P}.hosts.addresses[1]`, /octets, each 0-255/);
        mustPlan(hosts(["127.0.0.1"], 1)); // one node: nothing to rendezvous with
    });
});

describe("secrets stay out of plain config", () => {
    it("secret-carrying flags are refused in extraArgs, with the setting to use", () => {
        for (const [flag, value, where] of [["--api-key", "k", /pulumi stack output apiKey/], ["--admin-api-key", "k", /no secret setting for an admin key/]] as const) {
            one(problemsOf({ ...H200, sglang: { extraArgs: [flag, value] } }), `${P}.sglang.extraArgs[0]`, new RegExp(`carries a secret.*${where.source}`));
            one(problemsOf({ ...H200, sglang: { extraArgs: [`${flag}=${value}`] } }), `${P}.sglang.extraArgs[0]`, /carries a secret/);
        }
        one(problemsOf({ ...H200, sglang: { version: "0.4.6.post5", extraArgs: ["--api-key", "k"] } }), `${P}.sglang.extraArgs[0]`, /carries a secret/);
    });
    it("token-like tag values are refused", () => {
        for (const token of ["hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "AKIAIOSFODNN7EXAMPLE", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="]) {
            one(problemsOf({ ...H200, aws: { tags: { owner: token } } }), `${P}.aws.tags.owner`, /looks like/);
        }
        mustPlan({ ...H200, aws: { tags: { owner: "ml-platform", purpose: "deepseek-r1-eval-2026-q4" } } });
    });
    it("the API-key placeholder is reserved everywhere", () => {
        one(problemsOf({ ...H200, sglang: { extraArgs: ["--chat-template", "@SGLANG_API_KEY@"] } }), `${P}.sglang.extraArgs[1]`, /reserved/);
        one(problemsOf({ ...H200, aws: { tags: { k: "x@SGLANG_API_KEY@" } } }), `${P}.aws.tags.k`, /reserved/);
    });
});

describe("values, revisions, regions", () => {
    it("no NUL or other control character in any value", () => {
        one(problemsOf({ ...H200, sglang: { extraArgs: ["--chat-template", "a\u0000b"] } }), `${P}.sglang.extraArgs[1]`, /NUL/);
        one(problemsOf({ ...H200, model: "deepseek-ai/DeepSeek-V3\n" }), `${P}.model`, /newline/);
        one(problemsOf({ ...H200, revision: "main\u001b[31m" }), `${P}.revision`, /control character U\+001B/);
        one(problemsOf({ ...H200, aws: { tags: { team: "a\rb" } } }), `${P}.aws.tags.team`, /carriage return/);
    });
    it("revision: a 40-hex commit or a safe ref name", () => {
        for (const bad of ["../../etc", "main/../x", "-rf", "a//b", "/main", "v1.lock", "a b", "a?b", "%2e%2e", "abc1234"]) {
            const problems = problemsOf({ ...H200, revision: bad });
            assert.equal(problems.length, 1, `${bad}: ${JSON.stringify(problems)}`);
            assert.equal(problems[0]!.path, `${P}.revision`);
        }
        for (const good of ["main", "v1.0", "refs/pr/12", "0123456789abcdef0123456789abcdef01234567", "release_2025-03"]) mustPlan({ ...H200, revision: good });
    });
    it("region/location/project required per cloud; a region of another cloud refused", () => {
        one(problemsOf(H200, { "aws:region": "eastus" }), "aws:region", /an Azure location name; .* AWS region such as us-east-2/);
        one(problemsOf(H200, { "aws:region": "us-central1" }), "aws:region", /a GCP region name/);
        const gcp = { cloud: "gcp", gpu: "H100", weights: "fp8" };
        one(problemsOf(gcp, { "gcp:region": "us-east-2" }), "gcp:region", /an AWS region name/);
        one(problemsOf(gcp, { "gcp:project": "Bad_Project" }), "gcp:project", /not a project id/);
        const azure = { cloud: "azure", gpu: "MI300X", weights: "fp8" };
        one(problemsOf(azure, { "azure-native:location": "us-east-1" }), "azure-native:location", /an AWS region name/);
        one(problemsOf({ ...azure, azure: { location: "eastus" } }), `${P}.azure.location`, /azure-native:location/);
    });
});

describe("stack files as Pulumi reads them", () => {
    it("the corpus of valid unusual configs plans", async () => {
        const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith(".yaml"));
        assert.ok(files.length >= 5);
        for (const f of files) {
            let err = "";
            const code = await run(["--config", path.join(CORPUS, f)], () => {}, (s) => (err += s));
            assert.equal(code, 0, `${f}: ${err}`);
        }
    });
    it("a list config:, deep nesting, an oversized file and bad YAML each get one line and exit 2", async () => {
        for (const [yaml, pattern] of [
            ["config:\n  - a\n  - b\n", /"config:" is a list/],
            [`config:\n  a: ${"[".repeat(60)}${"]".repeat(60)}\n`, /nests deeper than 32/],
            [`config:\n  a: "${"x".repeat(1_100_000)}"\n`, /is no stack file/],
            ["config: {a: [\n", /stack.yaml: /],
            ["config:\n  a: 1\n  a: 2\n", /stack.yaml: /],
        ] as const) {
            const r = await planFile(yaml);
            assert.equal(r.code, 2);
            assert.equal(r.err.trim().split("\n").length, 1, r.err);
            assert.match(r.err, pattern);
        }
    });
    it("user data over the cloud's limit is an exit-2 refusal naming the setting", async () => {
        const big = JSON.stringify(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`key${i}x${(i * 7919).toString(36)}`, (i * 104729).toString(36)])));
        const r = await planFile(`config:\n  aws:region: us-east-2\n  deepseek-sglang:cluster:\n    cloud: aws\n    gpu: H200\n    weights: fp8\n    sglang:\n      extraArgs: ["--json-model-override-args", ${JSON.stringify(big)}]\n`);
        assert.equal(r.code, 2);
        assert.match(r.err, /^deepseek-sglang:cluster\.sglang\.extraArgs: rank 0's user data would be \d+ bytes gzipped, over the 16384/);
        assert.doesNotMatch(r.err, /at \w+ \(/); // no stack trace
    });
});
