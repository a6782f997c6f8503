// Hand-written cases for parseSglangArgv and its helpers, against both extracted flag sets.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
    DEEP_GEMM_TIMEOUT_FLAG,
    HELP_FLAG,
    findFlag,
    flagsByDest,
    parseHumanReadableInt,
    parseSglangArgv,
    resolveOptionToken,
    splitExtraArgs,
    type ArgvProblem,
    type ParseResult,
} from "../../src/plan/argparse";
import { LATEST, LAUNCH, V046, launch, words } from "./flagsets";

function problemsOf(r: ParseResult): ArgvProblem[] {
    assert.equal(r.ok, false, "expected the argv to be refused");
    return r.ok ? [] : r.problems;
}

function valuesOf(r: ParseResult): Record<string, unknown> {
    assert.ok(r.ok, `expected the argv to parse, got ${JSON.stringify(r.ok ? null : r.problems)}`);
    return r.ok ? r.parsed.values : {};
}

/** The single problem of a refused argv. */
function onlyProblem(r: ParseResult): ArgvProblem {
    const problems = problemsOf(r);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    return problems[0]!;
}

describe("leading tokens", () => {
    it("accepts python3 -m sglang.launch_server", () => {
        assert.deepEqual(valuesOf(parseSglangArgv(launch(), V046)), { model_path: "deepseek-ai/DeepSeek-V3" });
    });

    it("refuses another interpreter, a missing -m and an unknown module", () => {
        const problems = problemsOf(parseSglangArgv(["python", "-c", "sglang.serve", "--model-path", "m"], LATEST));
        assert.deepEqual(problems.map((p) => p.index), [0, 1, 2]);
    });

    it("refuses an argv too short to name the module", () => {
        const problems = problemsOf(parseSglangArgv(["python3"], LATEST));
        assert.deepEqual(problems.map((p) => p.index), [1, 2, -1]);
    });

    it("holds the module to opts.entry when given", () => {
        const p = onlyProblem(parseSglangArgv(launch(), LATEST, { entry: "compile_deep_gemm" }));
        assert.equal(p.index, 2);
        assert.match(p.reason, /sglang\.compile_deep_gemm/);
    });

    it("compile_deep_gemm takes the server flags plus --timeout (int)", () => {
        const argv = ["python3", "-m", "sglang.compile_deep_gemm", "--model-path", "m", "--tp-size", "8", "--timeout", "1800"];
        assert.deepEqual(valuesOf(parseSglangArgv(argv, LATEST)), { model_path: "m", tp_size: 8, timeout: 1800 });
        assert.match(onlyProblem(parseSglangArgv([...argv.slice(0, -1), "half an hour"], LATEST)).reason, /invalid int value/);
        // launch_server has no --timeout, and --time is not a prefix of anything there either.
        assert.match(onlyProblem(parseSglangArgv(launch("--timeout", "1800"), LATEST)).reason, /unknown option --timeout/);
    });
});

describe("option names", () => {
    it("accepts every complete option string, aliases included", () => {
        assert.deepEqual(valuesOf(parseSglangArgv(launch("--tp-size", "8"), V046)), { model_path: "deepseek-ai/DeepSeek-V3", tensor_parallel_size: 8 });
        assert.deepEqual(valuesOf(parseSglangArgv(launch("--tensor-parallel-size", "8"), LATEST)), { model_path: "deepseek-ai/DeepSeek-V3", tp_size: 8 });
    });

    it("refuses --tp as an abbreviation by default, and resolves it when abbreviations are allowed", () => {
        for (const flags of [V046, LATEST]) {
            const p = onlyProblem(parseSglangArgv(launch("--tp", "8"), flags));
            assert.deepEqual(p, { index: 5, token: "--tp", reason: "abbreviation of --tp-size; use the full name" });
            const ok = parseSglangArgv(launch("--tp", "8"), flags, { allowAbbreviations: true });
            assert.ok(ok.ok);
            assert.equal(ok.parsed.seen[1]!.canonical, false);
            assert.equal(ok.parsed.seen[1]!.optionString, "--tp-size");
        }
    });

    it("the seed's 32xL40S recipe works in SGLang only through abbreviations (--model, --tp, --trust-remote)", () => {
        const recipe = words(
            "python3 -m sglang.launch_server --model meituan/DeepSeek-R1-Channel-INT8 --tp 32 --quantization w8a8_int8 " +
                "--dist-init-addr 10.0.0.1:5000 --nnodes 4 --node-rank 0 --trust-remote --enable-torch-compile --torch-compile-max-bs 32",
        );
        // In 0.4.6.post5 --model is itself a prefix of --model-path; on main it is an explicit alias.
        const strict046 = problemsOf(parseSglangArgv(recipe, V046));
        assert.deepEqual(strict046.map((p) => p.token), ["--model", "--tp", "--trust-remote"]);
        assert.match(strict046[2]!.reason, /abbreviation of --trust-remote-code/);
        assert.deepEqual(problemsOf(parseSglangArgv(recipe, LATEST)).map((p) => p.token), ["--tp", "--trust-remote"]);
        const lenient = valuesOf(parseSglangArgv(recipe, V046, { allowAbbreviations: true }));
        assert.equal(lenient.trust_remote_code, true);
        assert.equal(lenient.tensor_parallel_size, 32);
        assert.equal(lenient.model_path, "meituan/DeepSeek-R1-Channel-INT8");
    });

    it("--ep is ambiguous in 0.4.6.post5 but an explicit alias of --ep-size on main", () => {
        const p = onlyProblem(parseSglangArgv(launch("--ep", "8"), V046, { allowAbbreviations: true }));
        assert.equal(p.index, 5);
        assert.match(p.reason, /^ambiguous option --ep could match --ep-size, --ep-num-redundant-experts/);
        const r = parseSglangArgv(launch("--ep", "8"), LATEST);
        assert.ok(r.ok);
        assert.equal(r.parsed.values.ep_size, 8);
        assert.equal(r.parsed.seen[1]!.canonical, true);
    });

    it("--pp is a unique prefix in 0.4.6.post5 but ambiguous on main (sglang-facts §2.5)", () => {
        assert.equal(resolveOptionToken("--pp", V046).kind, "abbreviation");
        assert.deepEqual(resolveOptionToken("--pp", LATEST), {
            kind: "ambiguous",
            candidates: ["--pp-size", "--pp-max-micro-batch-size", "--pp-async-batch-depth"],
        });
    });

    it("--enable-ep-moe exists in 0.4.6.post5 but not on main", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--enable-ep-moe"), V046)).enable_ep_moe, true);
        assert.deepEqual(onlyProblem(parseSglangArgv(launch("--enable-ep-moe"), LATEST)), {
            index: 5,
            token: "--enable-ep-moe",
            reason: "unknown option --enable-ep-moe",
        });
    });

    it("reports an unknown option once, not its value as a stray positional", () => {
        const p = onlyProblem(parseSglangArgv(launch("--no-such-flag", "3", "--tp-size", "2"), LATEST));
        assert.equal(p.index, 5);
    });

    it("refuses positional junk and a bare --", () => {
        assert.deepEqual(problemsOf(parseSglangArgv(launch("stray"), LATEST)).map((p) => p.index), [5]);
        assert.deepEqual(problemsOf(parseSglangArgv(launch("--trust-remote-code", "yes"), LATEST)).map((p) => p.index), [6]);
        assert.deepEqual(problemsOf(parseSglangArgv(launch("--", "--tp-size", "8"), LATEST)).map((p) => p.index), [5]);
    });

    it("refuses --help and its prefixes: the server would print usage and exit", () => {
        assert.match(onlyProblem(parseSglangArgv(launch("--help"), LATEST)).reason, /usage and exits/);
        assert.match(onlyProblem(parseSglangArgv(launch("-h"), LATEST)).reason, /usage and exits/);
        assert.equal(resolveOptionToken("--hel", LATEST).flag, HELP_FLAG);
    });

    it("refuses single-dash spellings", () => {
        assert.match(onlyProblem(parseSglangArgv(launch("-tp", "8"), LATEST)).reason, /unknown option -tp/);
    });

    it("supports --flag=value, exact and abbreviated", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--tp-size=8"), LATEST)).tp_size, 8);
        assert.equal(valuesOf(parseSglangArgv(launch("--tp=8"), LATEST, { allowAbbreviations: true })).tp_size, 8);
        assert.equal(resolveOptionToken("--tp=8", LATEST).explicitValue, "8");
        // A value may itself contain '='.
        assert.equal(valuesOf(parseSglangArgv(launch("--api-key=a=b"), LATEST)).api_key, "a=b");
    });
});

describe("values", () => {
    it("store_true flags take no value", () => {
        const p = onlyProblem(parseSglangArgv(launch("--trust-remote-code=true"), LATEST));
        assert.equal(p.index, 5);
        assert.match(p.reason, /takes no value/);
    });

    it("store flags need exactly one value, and an option is not a value", () => {
        assert.match(onlyProblem(parseSglangArgv(launch("--tp-size"), LATEST)).reason, /--tp-size expects one value/);
        assert.equal(onlyProblem(parseSglangArgv(launch("--tp-size", "--trust-remote-code"), LATEST)).index, 5);
        // A negative number is a value, not an option (argparse's negative-number rule).
        assert.equal(valuesOf(parseSglangArgv(launch("--random-seed", "-1"), LATEST)).random_seed, -1);
    });

    it("converts int like Python's int()", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--tp-size", "1_6"), LATEST)).tp_size, 16);
        for (const bad of ["8.0", "eight", "0x10", "1e3", "", "1__0"]) {
            const p = onlyProblem(parseSglangArgv(launch(`--tp-size=${bad}`), LATEST));
            assert.equal(p.index, 5);
            assert.match(p.reason, /invalid int value/);
        }
        assert.equal(onlyProblem(parseSglangArgv(launch("--nnodes", "two"), V046)).index, 6);
    });

    it("converts float like Python's float()", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--mem-fraction-static", "0.85"), LATEST)).mem_fraction_static, 0.85);
        assert.equal(valuesOf(parseSglangArgv(launch("--mem-fraction-static", ".9"), V046)).mem_fraction_static, 0.9);
        assert.equal(valuesOf(parseSglangArgv(launch("--watchdog-timeout", "1e3"), V046)).watchdog_timeout, 1000);
        for (const bad of ["85%", "0,85", "0.8.5"]) {
            const p = onlyProblem(parseSglangArgv(launch("--mem-fraction-static", bad), LATEST));
            assert.deepEqual([p.index, p.token], [6, bad]);
            assert.match(p.reason, /invalid float value/);
        }
    });

    it("human_readable_int follows SGLang main: SI k/M/G/T and IEC Ki/Mi/Gi/Ti, case-sensitive", () => {
        const cases: [string, number][] = [["131072", 131072], ["128k", 128000], ["1M", 1_000_000], ["1Mi", 1_048_576], ["25.6k", 25600], ["4Ki", 4096], [" 2k ", 2000]];
        for (const [text, want] of cases) assert.deepEqual(parseHumanReadableInt(text), { ok: true, value: want }, text);
        for (const bad of ["1K", "1m", "128kb", "1.5Ki", "1.0001k", "k", "1.5"]) assert.equal(parseHumanReadableInt(bad).ok, false, bad);
        assert.equal(valuesOf(parseSglangArgv(launch("--context-length", "128k"), LATEST)).context_length, 128000);
        // 0.4.6.post5 still types --context-length as int.
        assert.match(onlyProblem(parseSglangArgv(launch("--context-length", "128k"), V046)).reason, /invalid int value/);
    });

    it("checks choices after conversion", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--quantization", "moe_wna16"), V046)).quantization, "moe_wna16");
        assert.equal(valuesOf(parseSglangArgv(launch("--kv-cache-dtype", "fp8_e5m2"), V046)).kv_cache_dtype, "fp8_e5m2");
        assert.equal(valuesOf(parseSglangArgv(launch("--kv-cache-dtype", "fp8_e5m2"), LATEST)).kv_cache_dtype, "fp8_e5m2");
        const p = onlyProblem(parseSglangArgv(launch("--kv-cache-dtype", "fp8"), V046));
        assert.deepEqual([p.index, p.token], [6, "fp8"]);
        assert.match(p.reason, /invalid choice: 'fp8' \(choose from auto, fp8_e5m2, fp8_e4m3\)/);
        assert.match(onlyProblem(parseSglangArgv(launch("--quantization", "moe-wna16"), LATEST)).reason, /invalid choice/);
        // Integer choices compare as numbers: "02" is 2.
        assert.equal(valuesOf(parseSglangArgv(launch("--log-requests-level", "02"), LATEST)).log_requests_level, 2);
        assert.match(onlyProblem(parseSglangArgv(launch("--log-requests-level", "3"), V046)).reason, /invalid choice: '3'/);
    });

    it("--tool-call-parser deepseekv3 exists in both; deepseekv31 only on main", () => {
        for (const flags of [V046, LATEST]) assert.equal(valuesOf(parseSglangArgv(launch("--tool-call-parser", "deepseekv3"), flags)).tool_call_parser, "deepseekv3");
        assert.match(onlyProblem(parseSglangArgv(launch("--tool-call-parser", "deepseekv31"), V046)).reason, /invalid choice/);
        assert.match(onlyProblem(parseSglangArgv(launch("--reasoning-parser", "deepseek-v3"), V046)).reason, /invalid choice/);
    });

    it('nargs "+": --cuda-graph-bs 1 2 4 in 0.4.6.post5 takes every following value', () => {
        const r = parseSglangArgv(launch("--cuda-graph-bs", "1", "2", "4", "--trust-remote-code"), V046);
        assert.deepEqual(valuesOf(r).cuda_graph_bs, [1, 2, 4]);
        assert.match(onlyProblem(parseSglangArgv(launch("--cuda-graph-bs", "--trust-remote-code"), V046)).reason, /at least one value/);
        assert.deepEqual(problemsOf(parseSglangArgv(launch("--cuda-graph-bs", "1", "two", "4"), V046)).map((p) => p.index), [7]);
        // After `=`, argparse reads no further tokens: the rest are strays.
        assert.deepEqual(problemsOf(parseSglangArgv(launch("--cuda-graph-bs=1", "2"), V046)).map((p) => p.index), [6]);
    });

    it('nargs "*" and "?" take zero or more / zero or one value', () => {
        assert.deepEqual(valuesOf(parseSglangArgv(launch("--lora-target-modules"), LATEST)).lora_target_modules, []);
        assert.deepEqual(valuesOf(parseSglangArgv(launch("--lora-target-modules", "q_proj", "o_proj"), LATEST)).lora_target_modules, ["q_proj", "o_proj"]);
        assert.match(onlyProblem(parseSglangArgv(launch("--lora-target-modules", "q_proj", "nope"), LATEST)).reason, /invalid choice: 'nope'/);
        // --model-checksum alone stores its const ("").
        assert.equal(valuesOf(parseSglangArgv(launch("--model-checksum"), LATEST)).model_checksum, "");
        assert.equal(valuesOf(parseSglangArgv(launch("--model-checksum", "abc"), LATEST)).model_checksum, "abc");
        assert.deepEqual(problemsOf(parseSglangArgv(launch("--model-checksum", "a", "b"), LATEST)).map((p) => p.index), [7]);
    });

    it("BooleanOptionalAction stores true for --x and false for --no-x, and counts as one flag", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--no-dllm-fdfo"), LATEST)).dllm_fdfo, false);
        assert.equal(valuesOf(parseSglangArgv(launch("--lora-strict-loading"), LATEST)).lora_strict_loading, true);
        assert.match(problemsOf(parseSglangArgv(launch("--dllm-fdfo", "--no-dllm-fdfo"), LATEST))[0]!.reason, /given twice/);
    });

    it("JSON-typed flags need valid JSON; --cuda-graph-config needs known phases and keys", () => {
        assert.deepEqual(valuesOf(parseSglangArgv(launch("--preferred-sampling-params", '{"temperature":0.6}'), LATEST)).preferred_sampling_params, { temperature: 0.6 });
        assert.match(onlyProblem(parseSglangArgv(launch("--forward-hooks", "[{oops"), LATEST)).reason, /invalid JSON/);
        assert.deepEqual(valuesOf(parseSglangArgv(launch("--cuda-graph-config", '{"decode":{"max_bs":256}}'), LATEST)).cuda_graph_config, { decode: { max_bs: 256 } });
        assert.match(onlyProblem(parseSglangArgv(launch("--cuda-graph-config", '{"extend":{}}'), LATEST)).reason, /unknown phase 'extend'/);
        assert.match(onlyProblem(parseSglangArgv(launch("--cuda-graph-config", '{"decode":{"maxbs":8}}'), LATEST)).reason, /unknown key 'maxbs'/);
        assert.match(onlyProblem(parseSglangArgv(launch("--cuda-graph-config", "[1]"), LATEST)).reason, /must be a JSON object/);
    });

    it("nullable_str stores null for an empty value or None", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--quantization-param-path="), V046)).quantization_param_path, null);
        assert.equal(valuesOf(parseSglangArgv(launch("--quantization-param-path", "None"), LATEST)).quantization_param_path, null);
    });
});

describe("deprecated, repeated and required flags", () => {
    it("--cuda-graph-max-bs is a deprecated alias on main, named with its replacement", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--cuda-graph-max-bs", "64"), V046)).cuda_graph_max_bs, 64);
        const p = onlyProblem(parseSglangArgv(launch("--cuda-graph-max-bs", "64"), LATEST));
        assert.equal(p.index, 5);
        assert.match(p.reason, /deprecated.*use --cuda-graph-max-bs-decode instead/);
    });

    it("--disable-cuda-graph is deprecated on main in favour of the per-phase backends", () => {
        assert.equal(valuesOf(parseSglangArgv(launch("--disable-cuda-graph"), V046)).disable_cuda_graph, true);
        assert.match(onlyProblem(parseSglangArgv(launch("--disable-cuda-graph"), LATEST)).reason, /deprecated.*--cuda-graph-backend-decode disabled --cuda-graph-backend-prefill disabled/);
    });

    it("--enable-flashmla is already a DeprecatedAction in 0.4.6.post5 and gone on main", () => {
        assert.match(onlyProblem(parseSglangArgv(launch("--enable-flashmla"), V046)).reason, /deprecated.*use --attention-backend flashmla/);
        assert.match(onlyProblem(parseSglangArgv(launch("--enable-flashmla"), LATEST)).reason, /unknown option/);
    });

    it("names the replacement the help text gives", () => {
        assert.match(onlyProblem(parseSglangArgv(launch("--stream-output"), LATEST)).reason, /use --incremental-streaming-output instead/);
        assert.match(onlyProblem(parseSglangArgv(launch("--enable-flashinfer-allreduce-fusion"), LATEST)).reason, /use --flashinfer-allreduce-fusion-backend=auto instead/);
        assert.match(onlyProblem(parseSglangArgv(launch("--enable-breakable-cuda-graph"), LATEST)).reason, /use --cuda-graph-backend-prefill=breakable instead/);
        // Help suppressed: the live flag with the same dest is the replacement.
        assert.match(onlyProblem(parseSglangArgv(launch("--speculative-dflash-draft-window-size", "4"), LATEST)).reason, /use --speculative-draft-window-size instead/);
    });

    it("refuses a flag given twice, under either of its names", () => {
        const p = onlyProblem(parseSglangArgv(launch("--tp-size", "8", "--tensor-parallel-size", "8"), LATEST));
        assert.equal(p.index, 7);
        assert.match(p.reason, /--tp-size is given twice \(first at index 5\)/);
    });

    it("requires --model-path", () => {
        assert.deepEqual(onlyProblem(parseSglangArgv([...LAUNCH, "--tp-size", "8"], V046)), {
            index: -1,
            token: "",
            reason: "the required option --model-path is missing",
        });
    });

    it("reports every problem, not only the first", () => {
        const problems = problemsOf(parseSglangArgv([...LAUNCH, "--tp", "8", "--kv-cache-dtype", "fp9", "--bogus", "--disable-cuda-graph"], LATEST));
        assert.deepEqual(problems.map((p) => p.index), [3, 6, 7, 8, -1]);
    });
});

describe("helpers", () => {
    it("findFlag matches complete option strings only", () => {
        assert.equal(findFlag(V046, "--tp-size")?.flag, "--tensor-parallel-size");
        assert.equal(findFlag(LATEST, "--ep")?.flag, "--ep-size");
        assert.equal(findFlag(LATEST, "--tp"), undefined);
    });

    it("flagsByDest groups deprecated aliases with their replacement", () => {
        const byDest = flagsByDest(LATEST);
        assert.deepEqual(byDest.get("cuda_graph_max_bs_decode")!.map((f) => f.flag).sort(), ["--cuda-graph-max-bs", "--cuda-graph-max-bs-decode"]);
        assert.equal(byDest.get("tp_size")!.length, 1);
    });

    it("resolveOptionToken classifies exact, abbreviated, ambiguous and unknown tokens", () => {
        assert.equal(resolveOptionToken("--tensor-parallel-size", V046).kind, "exact");
        assert.equal(resolveOptionToken("--trust-remote", LATEST).flag?.flag, "--trust-remote-code");
        assert.equal(resolveOptionToken("--enable-dp", LATEST).kind, "ambiguous");
        assert.equal(resolveOptionToken("--enable-dp", V046).kind, "ambiguous");
        assert.equal(resolveOptionToken("--warp-drive", LATEST).kind, "unknown");
        assert.equal(resolveOptionToken("8", LATEST).kind, "unknown");
        assert.equal(resolveOptionToken("--timeout", LATEST).kind, "unknown");
        assert.equal(DEEP_GEMM_TIMEOUT_FLAG.type, "int");
    });

    it("splitExtraArgs groups options with their values, indexed within extraArgs", () => {
        const r = splitExtraArgs(["--cuda-graph-bs", "1", "2", "--enable-dp-attention", "--dp-size=8"], V046);
        assert.ok(r.ok);
        assert.deepEqual(
            r.groups.map((g) => [g.token, g.index, g.values, g.value]),
            [["--cuda-graph-bs", 0, ["1", "2"], [1, 2]], ["--enable-dp-attention", 3, [], true], ["--dp-size=8", 4, ["8"], 8]],
        );
        const refused = splitExtraArgs(["--dp", "8", "--mem-fraction-static", "lots"], LATEST);
        assert.ok(!refused.ok);
        assert.deepEqual(refused.problems.map((p) => p.index), [0, 3]);
        assert.ok(splitExtraArgs(["--dp", "8"], LATEST, { allowAbbreviations: true }).ok);
        assert.ok(splitExtraArgs([], LATEST).ok);
    });
});
