// `npm run smoke`: the seed's checks against a loopback stand-in with SGLang's response shapes, healthy
// and broken one behaviour at a time; the logit-processor reference against python3's own pickle.

import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { CHECK_NAMES, client, runChecks, type CheckResult, type SmokeOptions } from "../../src/acceptance/checks";
import { percentile, runLoad, summarize } from "../../src/acceptance/load";
import { THINKING_BUDGET_CLASS, THINKING_BUDGET_MODULE, pickleInstanceByReference, thinkingBudgetProcessor } from "../../src/acceptance/logit-processor";
import { parseArgs, smoke, UsageError } from "../../src/cli/smoke";
import { SglangStandin, type Fault, type StandinLaunch } from "./sglang-standin";
import { TS_NODE_ARGS } from "../support/ts-child";

const ROOT = path.resolve(__dirname, "..", "..");
const R1: StandinLaunch = { apiKey: "sk-test-key", model: "deepseek-ai/DeepSeek-R1", toolCallParser: "deepseekv3", reasoningParser: "deepseek-r1", customLogitProcessor: true };
const V3: StandinLaunch = { ...R1, model: "deepseek-ai/DeepSeek-V3-0324", reasoningParser: null, customLogitProcessor: false };

async function withStandin<T>(launch: StandinLaunch, faults: Fault[], fn: (s: SglangStandin, opts: SmokeOptions) => Promise<T>): Promise<T> {
    const s = await new SglangStandin(launch, new Set(faults)).start();
    try {
        return await fn(s, { endpoint: s.url, apiKey: launch.apiKey, timeoutMs: 10_000, only: null, thinkingBudget: 64 });
    } finally {
        await s.stop();
    }
}

const verdicts = (rs: CheckResult[]) => Object.fromEntries(rs.map((r) => [r.name, r.verdict]));
const failedNames = (rs: CheckResult[]) => rs.filter((r) => r.verdict === "fail").map((r) => r.name).sort();

describe("smoke checks against a healthy server", () => {
    it("R1 with every parser: every check runs and passes", async () => {
        await withStandin(R1, [], async (s, opts) => {
            const rs = await runChecks(opts);
            assert.deepEqual(rs.map((r) => r.name), [...CHECK_NAMES]);
            for (const r of rs) assert.equal(r.verdict, "pass", `${r.name}: ${r.detail}`);
            assert.match(rs.find((r) => r.name === "tool-call")!.detail, /query_weather\(\{"city": "Qingdao"\}\)/);
            const budget = s.requests.find((r) => r.body?.["custom_logit_processor"]);
            assert.deepEqual(budget?.body?.["custom_params"], { thinking_budget: 64 });
            // The client sent the official request shape: the seed's tool, temperature 0.
            const tool = s.requests.find((r) => Array.isArray(r.body?.["tools"]))!.body!;
            assert.equal(tool["temperature"], 0);
            assert.equal((tool["tools"] as { function: { name: string } }[])[0]!.function.name, "query_weather");
        });
    });

    it("V3 without a reasoning parser or logit processors: those checks are skipped, saying why", async () => {
        await withStandin(V3, [], async (_s, opts) => {
            const rs = await runChecks(opts);
            assert.deepEqual(verdicts(rs), {
                "models": "pass", "auth": "pass", "chat": "pass", "tool-call": "pass", "tool-call-stream": "pass",
                "reasoning": "skip", "reasoning-stream": "skip", "thinking-budget": "skip",
            });
            assert.match(rs.find((r) => r.name === "reasoning")!.detail, /--reasoning-parser/);
            assert.match(rs.find((r) => r.name === "thinking-budget")!.detail, /--enable-custom-logit-processor/);
        });
    });
});

describe("smoke catches a broken server, naming the check", () => {
    const cases: { fault: Fault; launch?: StandinLaunch; failed: string[]; says: RegExp }[] = [
        { fault: "no-auth", failed: ["auth"], says: /not protected by --api-key/ },
        { fault: "empty-chat", failed: ["chat"], says: /no content/ },
        { fault: "tool-args-truncated", failed: ["tool-call", "tool-call-stream"], says: /not JSON/ },
        { fault: "tool-wrong-city", failed: ["tool-call", "tool-call-stream"], says: /do not name the city Qingdao/ },
        { fault: "stream-finish-stop", failed: ["tool-call-stream"], says: /finish_reason "stop", expected "tool_calls"/ },
        { fault: "reasoning-leak", failed: ["reasoning", "reasoning-stream"], says: /content holds <\/think>/ },
        { fault: "processor-refused", failed: ["thinking-budget"], says: /HTTP 400: The server is not configured to enable custom logit processor/ },
        { fault: "over-budget", failed: ["thinking-budget"], says: /used 256 tokens with thinking_budget 64/ },
        { fault: "no-server-info", failed: ["server-info"], says: /--checks/ },
    ];
    for (const c of cases) {
        it(`${c.fault} -> ${c.failed.join(", ")}`, async () => {
            await withStandin(c.launch ?? R1, [c.fault], async (_s, opts) => {
                const rs = await runChecks(opts);
                assert.deepEqual(failedNames(rs), [...c.failed].sort(), JSON.stringify(rs, null, 1));
                assert.match(rs.find((r) => r.name === c.failed[0])!.detail, c.says);
                const lines: string[] = [];
                assert.equal(await smoke({ ...opts, load: null }, (l) => lines.push(l)), 1);
                assert.equal(lines.at(-1), `smoke: ${c.failed.length} check(s) failed: ${c.failed.join(", ")}`);
            });
        });
    }

    it("a tool check named with --checks on a server without --tool-call-parser fails on the raw tokens", async () => {
        await withStandin({ ...V3, toolCallParser: null }, [], async (_s, opts) => {
            const rs = await runChecks({ ...opts, only: ["tool-call", "tool-call-stream"] });
            assert.deepEqual(rs.map((r) => [r.name, r.verdict]), [["models", "pass"], ["tool-call", "fail"], ["tool-call-stream", "fail"]]);
            assert.match(rs[1]!.detail, /content holds <｜tool▁calls▁begin｜>.*parser did not run/);
        });
    });

    it("a wrong key fails models and reports the rest as not run", async () => {
        await withStandin(R1, [], async (_s, opts) => {
            const rs = await runChecks({ ...opts, apiKey: "nope", only: ["chat"] });
            assert.deepEqual(rs.map((r) => [r.name, r.verdict]), [["models", "fail"], ["chat", "fail"]]);
            assert.match(rs[0]!.detail, /HTTP 401/);
            assert.match(rs[1]!.detail, /models check failed/);
        });
    });
});

describe("smoke --load", () => {
    it("reports throughput and TTFT/ITL percentiles over N streamed requests", async () => {
        await withStandin(V3, [], async (s, opts) => {
            const r = await runLoad(client(opts), { requests: 12, concurrency: 4, maxTokens: 32, model: V3.model });
            assert.equal(r.requests, 12);
            assert.equal(r.failed, 0);
            assert.equal(r.outputTokens, 12 * 12, "usage from stream_options.include_usage");
            assert.ok(r.ttft && r.itl && r.outputTokensPerSecond > 0);
            assert.ok(r.ttft.p50 <= r.ttft.p90 && r.ttft.p90 <= r.ttft.p99);
            assert.equal(s.requests.filter((q) => q.body?.["stream"] === true).length, 12);
        });
    });

    it("fails the run, named load, when requests fail", async () => {
        await withStandin(V3, ["load-errors"], async (_s, opts) => {
            const lines: string[] = [];
            const code = await smoke({ ...opts, only: ["chat"], load: { requests: 6, concurrency: 2, maxTokens: 16 } }, (l) => lines.push(l));
            assert.equal(code, 1);
            assert.ok(lines.some((l) => /^FAIL {2}load +2 of 6 requests failed, first: HTTP 500: scheduler died/.test(l)), lines.join("\n"));
            assert.ok(lines.some((l) => /^ {2}TTFT +mean .* p99 .* ms$/.test(l)));
            assert.equal(lines.at(-1), "smoke: 1 check(s) failed: load");
        });
    });

    it("percentiles are nearest-rank", () => {
        const v = Array.from({ length: 100 }, (_, i) => i + 1);
        assert.deepEqual([percentile(v, 50), percentile(v, 90), percentile(v, 99), percentile([7], 99)], [50, 90, 99, 7]);
        const r = summarize([{ ttft: 0.1, itl: [0.01, 0.03], completionTokens: 3, error: null }, { ttft: null, itl: [], completionTokens: 0, error: "x" }], 2);
        assert.deepEqual([r.failed, r.outputTokens, r.outputTokensPerSecond, r.itl?.p50], [1, 3, 1.5, 0.01]);
    });
});

describe("thinking-budget processor reference", () => {
    it("is the pickle python3 writes for an instance of SGLang's class", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-pickle-"));
        const pkg = path.join(dir, ...THINKING_BUDGET_MODULE.split(".").slice(0, -1));
        fs.mkdirSync(pkg, { recursive: true });
        for (let d = pkg; d !== dir; d = path.dirname(d)) fs.writeFileSync(path.join(d, "__init__.py"), "");
        fs.writeFileSync(path.join(pkg, "custom_logit_processor.py"), `class ${THINKING_BUDGET_CLASS}:\n    pass\n`);
        const py = `import pickle\nfrom ${THINKING_BUDGET_MODULE} import ${THINKING_BUDGET_CLASS} as C\n` +
            "import json,sys\nours=bytes.fromhex(json.loads(sys.argv[1])['callable'])\n" +
            "assert isinstance(pickle.loads(ours), C)\nprint(pickle.dumps(C(), protocol=4).hex())\n";
        const r = spawnSync("python3", ["-c", py, thinkingBudgetProcessor()], { env: { ...process.env, PYTHONPATH: dir }, encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), pickleInstanceByReference(THINKING_BUDGET_MODULE, THINKING_BUDGET_CLASS).toString("hex"));
    });
});

describe("smoke command line", () => {
    let keyFile: string;
    before(() => {
        keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "smoke-key-")), "key");
        fs.writeFileSync(keyFile, `${R1.apiKey}\n`, { mode: 0o600 });
    });
    after(() => fs.rmSync(path.dirname(keyFile), { recursive: true, force: true }));

    it("--help documents every check", () => {
        assert.throws(() => parseArgs(["--help"]), (e: Error) => e instanceof UsageError && CHECK_NAMES.every((n) => e.message.includes(`  ${n} `)) && /--load N/.test(e.message));
    });

    it("bad arguments: every problem at once", () => {
        assert.throws(() => parseArgs(["--endpoint", "ftp://x", "--api-key-file", "/nonexistent/key", "--load", "0", "--checks", "chat,bogus", "--frob"]), (e: Error) => {
            for (const want of [/unknown argument --frob/, /--endpoint must be an http\(s\) URL/, /--api-key-file \/nonexistent\/key: no such file/, /--load needs a positive integer/, /unknown check\(s\) bogus/]) assert.match(e.message, want);
            return e instanceof UsageError;
        });
    });

    it("reads the key file without its newline and defaults the load run", () => {
        const a = parseArgs(["--endpoint", "http://10.0.0.1:30000", "--api-key-file", keyFile, "--load", "40"]);
        assert.equal(a.apiKey, R1.apiKey);
        assert.deepEqual(a.load, { requests: 40, concurrency: 16, maxTokens: 128 });
    });

    it("exits 1 naming the failed check when run as a command", async () => {
        await withStandin(R1, ["stream-finish-stop"], async (s) => {
            const child = spawn(process.execPath, [...TS_NODE_ARGS, path.join(ROOT, "src", "cli", "smoke.ts"), "--endpoint", s.url, "--api-key-file", keyFile], { cwd: ROOT });
            let out = "";
            child.stdout.on("data", (d: Buffer) => (out += d.toString()));
            const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
            assert.equal(code, 1, out);
            assert.match(out, /^FAIL {2}tool-call-stream/m);
            assert.match(out, /smoke: 1 check\(s\) failed: tool-call-stream\n$/);
        });
    });
});
