// Differential test against CPython's real argparse (python_argparse.py rebuilds SGLang's parser
// from the same FlagSpecs). For fuzzed argvs, with abbreviations allowed as SGLang allows them:
//   - whatever parseSglangArgv accepts, argparse accepts, with the same values (never too lenient);
//   - whatever argparse accepts and we refuse, we refuse only for a rule we add on purpose.
// Skipped when python3 is not on PATH.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";

import type { FlagSpec } from "../../src/catalog/releases";
import { parseSglangArgv, type ParseResult } from "../../src/plan/argparse";
import { groupFor, usableFlags } from "./arbitraries";
import { FLAG_SETS, LAUNCH, PRECOMPILE } from "./flagsets";
import { needs } from "../support/requirements";

const ORACLE = join(__dirname, "python_argparse.py");
const hasPython = spawnSync("python3", ["--version"]).status === 0;

type Verdict = { ok: true; values: Record<string, unknown> } | { ok: false; error: string };

function askArgparse(flags: FlagSpec[], argvs: string[][], compileDeepGemm: boolean): Verdict[] {
    const run = spawnSync("python3", [ORACLE], { input: JSON.stringify({ flags, argvs, compile_deep_gemm: compileDeepGemm }), maxBuffer: 64 << 20 });
    assert.equal(run.status, 0, run.stderr.toString());
    return JSON.parse(run.stdout.toString()) as Verdict[];
}

/** Tags non-finite floats the way the oracle does, so values compare as JSON. */
function comparable(value: unknown): unknown {
    if (typeof value === "number" && !Number.isFinite(value)) return { $float: Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf" };
    if (Array.isArray(value)) return value.map(comparable);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
    return value;
}

// Refusals that are ours, not argparse's: the library's own strictness.
const OWN_RULES = [/is given twice/, /is deprecated in this SGLang release/, /SGLang would truncate/, /ends SGLang's options/, /too large to check/, /argparse drops/];

// Values that probe argparse's corners: negative numbers, spaces, '=', '--', underscores, suffixes, JSON.
const ODD_VALUES = [
    "8", "-1", "+3", "0.5", "-0.5", ".5", "-.5", "1e3", "-1e3", "1_000", " 7 ", "inf", "nan", "", "x", "a b", "-x", "-x y",
    "-", "--", "=", "128k", "1.5k", "1.0001k", "1K", "1Mi", "1.5Mi", "None", "[1]", "{}", '{"decode":{"max_bs":8}}', '{"extend":{}}',
];
// Option-ish tokens: help and its glued forms, abbreviations from sglang-facts §2.5, --timeout.
const ODD_OPTIONS = ["--timeout", "--timeout=60", "-h", "-hx", "--he", "--tp", "--tp=8", "--dp", "--ep", "--trust-remote", "--model", "--pp", "--enable-dp", "--no-dllm", "--cuda-graph"];

function fuzzedArgvs(flags: FlagSpec[]): fc.Arbitrary<string[]> {
    const names = flags.flatMap((f) => f.option_strings);
    const prefix = fc.constantFrom(...names).chain((o) => fc.integer({ min: 3, max: o.length }).map((n) => o.slice(0, n)));
    const validGroupTokens = fc.constantFrom(...usableFlags(flags)).chain(groupFor).map((g) => g.tokens);
    const choiceValues = fc.constantFrom(...flags.flatMap((f) => (f.choices ?? []).map(String)));
    // Pick a value type first, so the few human_readable_int or JSON flags meet the odd values too.
    const types = [...new Set(flags.map((f) => `${f.type}/${String(f.nargs)}`))];
    const flagOfSomeType = fc.constantFrom(...types).chain((t) => fc.constantFrom(...flags.filter((f) => `${f.type}/${String(f.nargs)}` === t)));
    const oddValue = fc.tuple(flagOfSomeType, fc.constantFrom(...ODD_VALUES), fc.boolean()).map(([f, v, joined]) => (joined ? [`${f.flag}=${v}`] : [f.flag, v]));
    const token = fc.oneof(
        { arbitrary: validGroupTokens, weight: 6 },
        { arbitrary: oddValue, weight: 4 },
        { arbitrary: fc.constantFrom(...names).map((n) => [n]), weight: 2 },
        { arbitrary: prefix.map((p) => [p]), weight: 2 },
        { arbitrary: fc.constantFrom(...ODD_VALUES, ...ODD_OPTIONS).map((t) => [t]), weight: 3 },
        { arbitrary: choiceValues.map((c) => [c]), weight: 1 },
    );
    const model = fc.constantFrom(["--model-path", "m"], ["--model-path=m"], ["--model", "m"], []);
    return fc.tuple(model, fc.array(token, { maxLength: 6 })).map(([m, rest]) => [...m, ...rest.flat()]);
}

function checkAgreement(ours: ParseResult, theirs: Verdict, argv: string[]): void {
    const where = JSON.stringify(argv);
    if (ours.ok) {
        assert.ok(theirs.ok, `we accept ${where} but argparse says: ${theirs.ok ? "" : theirs.error}`);
        assert.deepEqual(comparable(ours.parsed.values), theirs.values, where);
        return;
    }
    if (!theirs.ok) return;
    const unexplained = ours.problems.filter((p) => !OWN_RULES.some((rule) => rule.test(p.reason)));
    assert.deepEqual(unexplained, [], `argparse accepts ${where} but we refuse it`);
}

for (const [label, flags] of Object.entries(FLAG_SETS)) {
    describe(`parity with CPython argparse over ${label}`, needs(!hasPython && "python3"), () => {
        for (const [entry, prefix] of [["launch_server", LAUNCH], ["compile_deep_gemm", PRECOMPILE]] as const) {
            it(`${entry}: fuzzed argvs get the same verdict and values`, () => {
                const argvs = fc.sample(fuzzedArgvs(flags), { numRuns: entry === "launch_server" ? 1500 : 300, seed: Number(process.env.PARITY_SEED ?? 20260720) });
                const verdicts = askArgparse(flags, argvs, entry === "compile_deep_gemm");
                let accepted = 0;
                argvs.forEach((argv, k) => {
                    const ours = parseSglangArgv([...prefix, ...argv], flags, { allowAbbreviations: true });
                    checkAgreement(ours, verdicts[k]!, argv);
                    if (ours.ok) accepted++;
                });
                // The fuzzer must exercise both sides, or agreement proves little.
                assert.ok(accepted > argvs.length / 10 && accepted < argvs.length * 0.9, `accepted ${accepted} of ${argvs.length}`);
            });
        }
    });
}
