// Property tests: generated valid argvs parse and round-trip; single mutations are caught at the
// right index; resolveOptionToken agrees with the definition of argparse's prefix matching.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";

import { parseSglangArgv, resolveOptionToken, splitExtraArgs, type ParseResult } from "../../src/plan/argparse";
import { argvOf, groupStart, usableFlags, validGroups, type Group } from "./arbitraries";
import { FLAG_SETS, LAUNCH } from "./flagsets";

const RUNS = 150;
const P = LAUNCH.length;

function expectedValues(groups: readonly Group[]): Record<string, unknown> {
    return Object.fromEntries(groups.map((g) => [g.flag.dest, g.expected]));
}

function problemIndices(r: ParseResult): number[] {
    return r.ok ? [] : r.problems.map((p) => p.index);
}

for (const [label, flags] of Object.entries(FLAG_SETS)) {
    describe(`properties over ${label}`, () => {
        it("valid argvs parse, and every value round-trips by dest", () => {
            fc.assert(
                fc.property(validGroups(flags), (groups) => {
                    const r = parseSglangArgv(argvOf(LAUNCH, groups), flags);
                    assert.ok(r.ok, JSON.stringify(r.ok ? null : r.problems));
                    assert.deepEqual(r.parsed.values, expectedValues(groups));
                    assert.deepEqual(r.parsed.seen.map((s) => s.index), groups.map((_, k) => groupStart(P, groups, k)));
                    assert.ok(r.parsed.seen.every((s) => s.canonical));
                }),
                { numRuns: RUNS },
            );
        });

        it("splitExtraArgs agrees with parseSglangArgv on the same options", () => {
            fc.assert(
                fc.property(validGroups(flags), (groups) => {
                    const argv = argvOf(LAUNCH, groups);
                    const split = splitExtraArgs(argv.slice(P), flags);
                    const parsed = parseSglangArgv(argv, flags);
                    assert.ok(split.ok && parsed.ok);
                    assert.deepEqual(split.groups.map((g) => [g.index + P, g.flag, g.value]), parsed.parsed.seen.map((s) => [s.index, s.flag, parsed.parsed.values[s.flag.dest]]));
                }),
                { numRuns: RUNS / 3 },
            );
        });

        it("an unknown option inserted anywhere is reported at its index", () => {
            const unknownName = fc.stringMatching(/^[a-z]{1,8}$/).map((s) => `--zz-not-sglang-${s}`);
            fc.assert(
                fc.property(validGroups(flags), unknownName, fc.nat(), (groups, name, at) => {
                    const k = at % (groups.length + 1);
                    const index = groupStart(P, groups, k);
                    const argv = argvOf(LAUNCH, [...groups.slice(0, k), { flag: groups[0]!.flag, tokens: [name], expected: null }, ...groups.slice(k)]);
                    const r = parseSglangArgv(argv, flags);
                    assert.deepEqual(problemIndices(r), [index]);
                }),
                { numRuns: RUNS },
            );
        });

        it("a value outside a flag's choices is reported at the value's index", () => {
            const withChoices = usableFlags(flags).filter((f) => f.choices && f.nargs === null);
            fc.assert(
                fc.property(validGroups(flags), fc.constantFrom(...withChoices), fc.stringMatching(/^[a-z_]{1,10}$/), (groups, flag, junk) => {
                    fc.pre(!(flag.choices as unknown[]).includes(junk) && !groups.some((g) => g.flag.dest === flag.dest));
                    const argv = [...argvOf(LAUNCH, groups), flag.flag, junk];
                    const r = parseSglangArgv(argv, flags);
                    assert.deepEqual(problemIndices(r), [argv.length - 1]);
                }),
                { numRuns: RUNS },
            );
        });

        it("a single-value option stripped of its value is reported at the option's index", () => {
            fc.assert(
                fc.property(validGroups(flags), fc.nat(), (groups, pick) => {
                    const single = groups.map((g, k) => [g, k] as const).filter(([g]) => g.flag.nargs === null);
                    const [target, k] = single[pick % single.length]!; // --model-path is always there
                    const optionOnly = target.tokens[0]!.split("=")[0]!;
                    const mutated = groups.map((g, j) => (j === k ? { ...g, tokens: [optionOnly] } : g));
                    const r = parseSglangArgv(argvOf(LAUNCH, mutated), flags);
                    assert.ok(!r.ok);
                    assert.deepEqual(r.problems.map((p) => p.index), [groupStart(P, mutated, k)]);
                    assert.match(r.problems[0]!.reason, /expects one value/);
                }),
                { numRuns: RUNS },
            );
        });

        it("a repeated option is reported at its second occurrence", () => {
            fc.assert(
                fc.property(validGroups(flags), fc.nat(), (groups, pick) => {
                    const again = groups[pick % groups.length]!;
                    const argv = [...argvOf(LAUNCH, groups), ...again.tokens];
                    assert.deepEqual(problemIndices(parseSglangArgv(argv, flags)), [argv.length - again.tokens.length]);
                }),
                { numRuns: RUNS / 3 },
            );
        });

        it("resolveOptionToken: exact names, unique prefixes and ambiguous prefixes as argparse defines them", () => {
            const names = flags.flatMap((f) => f.option_strings);
            const prefixOfSome = fc.constantFrom(...names).chain((o) => fc.integer({ min: 3, max: o.length }).map((n) => o.slice(0, n)));
            fc.assert(
                fc.property(prefixOfSome, (prefix) => {
                    const matching = ["--help", ...names].filter((o) => o.startsWith(prefix));
                    const r = resolveOptionToken(prefix, flags);
                    if (names.includes(prefix)) assert.equal(r.kind, "exact");
                    else if (matching.length === 1) assert.deepEqual([r.kind, r.optionString], ["abbreviation", matching[0]]);
                    else assert.deepEqual([r.kind, r.candidates], ["ambiguous", matching]);
                }),
                { numRuns: RUNS * 2 },
            );
        });
    });
}
