// fast-check generators of valid SGLang option groups, built from a flag set's own FlagSpecs.

import fc from "fast-check";

import type { FlagSpec } from "../../src/catalog/releases";
import { isDeprecatedFlag } from "../../src/plan/argparse";

/** One option as it appears in an argv, with the value argparse should store for it. */
export interface Group {
    flag: FlagSpec;
    tokens: string[];
    expected: unknown;
}

/** A value text and what it converts to. */
interface Sample {
    text: string;
    value: unknown;
}

// Values never start with '-' unless they are plain negative numbers: argparse would read them as options.
const plainText = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.startsWith("-"));
const int = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n): Sample => ({ text: String(n), value: n }));
// Thousandths print without exponents, so "-0.005" stays a value.
const float = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n): Sample => ({ text: String(n / 1000), value: n / 1000 }));
const humanReadableInt = fc.oneof(
    fc.nat({ max: 1_000_000 }).map((n): Sample => ({ text: String(n), value: n })),
    fc.nat({ max: 4096 }).map((n): Sample => ({ text: `${n}k`, value: n * 1000 })),
    fc.nat({ max: 4096 }).map((n): Sample => ({ text: `${n}Ki`, value: n * 1024 })),
    fc.nat({ max: 64 }).map((n): Sample => ({ text: `${n}M`, value: n * 1_000_000 })),
);
const json = fc.json({ maxDepth: 2 }).filter((s) => !s.startsWith("-")).map((s): Sample => ({ text: s, value: JSON.parse(s) }));
const text = plainText.map((s): Sample => ({ text: s, value: s }));
const nullableText = plainText.map((s): Sample => ({ text: s, value: s === "None" ? null : s }));
const cudaGraphConfig = fc.nat({ max: 512 }).map((n): Sample => ({ text: JSON.stringify({ decode: { max_bs: n } }), value: { decode: { max_bs: n } } }));

function sampleFor(flag: FlagSpec): fc.Arbitrary<Sample> {
    if (flag.choices) return fc.constantFrom(...(flag.choices as unknown[])).map((c) => ({ text: String(c), value: c }));
    switch (flag.type) {
        case "int":
            return int;
        case "float":
            return float;
        case "human_readable_int":
            return humanReadableInt;
        case "json_list_type":
        case "loads":
            return json;
        case "nullable_str":
            return nullableText;
        case "parse_cuda_graph_config_arg":
            return cudaGraphConfig;
        default:
            return text;
    }
}

const SUPPORTED_ACTIONS = new Set(["store", "store_true", "BooleanOptionalAction", "LoRAPathAction"]);

/** Flags a generated argv may use: live (not deprecated) flags of the kinds the library emits. */
export function usableFlags(flags: readonly FlagSpec[]): FlagSpec[] {
    return flags.filter((f) => !isDeprecatedFlag(f) && SUPPORTED_ACTIONS.has(f.action) && !f.required);
}

/** A valid group for this flag, under any of its complete option strings. */
export function groupFor(flag: FlagSpec): fc.Arbitrary<Group> {
    const name = fc.constantFrom(...flag.option_strings);
    if (flag.nargs === 0) {
        return name.map((o) => ({ flag, tokens: [o], expected: flag.action === "BooleanOptionalAction" ? !o.startsWith("--no-") : true }));
    }
    const sample = sampleFor(flag);
    switch (flag.nargs) {
        case null:
            return fc.tuple(name, sample, fc.boolean()).map(([o, s, joined]) => ({
                flag,
                tokens: joined ? [`${o}=${s.text}`] : [o, s.text],
                expected: s.value,
            }));
        case "?":
            return fc.tuple(name, fc.option(sample, { nil: undefined })).map(([o, s]) => ({
                flag,
                tokens: s ? [o, s.text] : [o],
                expected: s ? s.value : flag.const,
            }));
        default: {
            const min = flag.nargs === "+" ? 1 : 0;
            return fc.tuple(name, fc.array(sample, { minLength: min, maxLength: 3 })).map(([o, ss]) => ({
                flag,
                tokens: [o, ...ss.map((s) => s.text)],
                expected: ss.map((s) => s.value),
            }));
        }
    }
}

/** --model-path plus a random subset of usable flags in random order, each once. */
export function validGroups(flags: readonly FlagSpec[], maxFlags = 12): fc.Arbitrary<Group[]> {
    const usable = usableFlags(flags);
    const modelPath = flags.find((f) => f.required)!;
    return fc
        .uniqueArray(fc.constantFrom(...usable), { maxLength: maxFlags, selector: (f) => f.dest })
        .chain((chosen) => fc.tuple(...[modelPath, ...chosen].map(groupFor)))
        .chain((groups) => fc.shuffledSubarray(groups, { minLength: groups.length, maxLength: groups.length }));
}

export function argvOf(prefix: readonly string[], groups: readonly Group[]): string[] {
    return [...prefix, ...groups.flatMap((g) => g.tokens)];
}

/** Index in the argv of the first token of groups[k] (or one past the end). */
export function groupStart(prefixLength: number, groups: readonly Group[], k: number): number {
    return prefixLength + groups.slice(0, k).reduce((n, g) => n + g.tokens.length, 0);
}
