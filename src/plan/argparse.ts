// Parses an SGLang command line the way SGLang's own argparse parser would, but stricter: the
// library must emit exactly what SGLang accepts, under full flag names, once each, and never a
// deprecated flag. Pure: no I/O, no Pulumi.
//
// Faithful to CPython 3.11 argparse where it matters for a pre-flight check (sglang-facts §2.5):
// which tokens count as options, prefix matching (`allow_abbrev`), `--flag=value`, nargs, type
// conversion and choices. Stricter on purpose: abbreviations (unless allowed), deprecated flags,
// repeated flags and values that SGLang would silently truncate are problems.

import type { FlagSpec } from "../catalog/releases";

export type SglangEntry = "launch_server" | "compile_deep_gemm";

export interface ParseOptions {
    /** Accept unique prefixes like SGLang does (`--tp` for `--tp-size`); default false. */
    allowAbbreviations?: boolean;
    /** Which module the argv runs; default: read from argv[2]. */
    entry?: SglangEntry;
}

export interface SeenOption {
    /** The token as written, e.g. `--tp-size=8` or `--tp`. */
    token: string;
    flag: FlagSpec;
    /** True when the token names a complete option string (not an abbreviation). */
    canonical: boolean;
    /** The complete option string the token resolved to, e.g. `--tensor-parallel-size`. */
    optionString: string;
    /** Position of the token in the argv. */
    index: number;
}

export interface ParsedArgv {
    /** Converted values by argparse dest, only for flags the argv sets (defaults live in FlagSpec.default). */
    values: Record<string, unknown>;
    seen: SeenOption[];
}

export interface ArgvProblem {
    /** Index of the offending token in the argv; -1 when the problem concerns the argv as a whole. */
    index: number;
    token: string;
    reason: string;
}

export type ParseResult = { ok: true; parsed: ParsedArgv } | { ok: false; problems: ArgvProblem[] };

export interface OptionResolution {
    kind: "exact" | "abbreviation" | "ambiguous" | "unknown";
    flag?: FlagSpec;
    /** Complete option strings an ambiguous prefix could mean, in parser order. */
    candidates?: string[];
    /** The complete option string matched (exact or abbreviation). */
    optionString?: string;
    /** The text after `=` in `--flag=value`. */
    explicitValue?: string;
}

/** One option of an extraArgs list with the raw values that belong to it. */
export interface ArgGroup {
    token: string;
    index: number;
    flag: FlagSpec;
    optionString: string;
    canonical: boolean;
    values: string[];
    /** The values converted by the flag's type, as argparse would store them. */
    value: unknown;
}

export type SplitResult = { ok: true; groups: ArgGroup[] } | { ok: false; problems: ArgvProblem[] };

const MODULE_OF: Record<SglangEntry, string> = {
    launch_server: "sglang.launch_server",
    compile_deep_gemm: "sglang.compile_deep_gemm",
};

function syntheticFlag(partial: Pick<FlagSpec, "flag" | "option_strings" | "dest" | "type" | "default" | "nargs" | "action" | "help_first_sentence">): FlagSpec {
    return { choices: null, required: false, const: null, deprecated: false, ...partial };
}

/** argparse adds `-h/--help` to every parser; SGLang's parsers keep it, so it takes part in prefix matching. */
export const HELP_FLAG: FlagSpec = syntheticFlag({
    flag: "-h",
    option_strings: ["-h", "--help"],
    dest: "help",
    type: null,
    default: "==SUPPRESS==",
    nargs: 0,
    action: "help",
    help_first_sentence: "show this help message and exit",
});

/** `sglang.compile_deep_gemm` adds `--timeout` (int, default 3600) after the server flags (sglang-facts §3). */
export const DEEP_GEMM_TIMEOUT_FLAG: FlagSpec = syntheticFlag({
    flag: "--timeout",
    option_strings: ["--timeout"],
    dest: "timeout",
    type: "int",
    default: 3600,
    nargs: null,
    action: "store",
    help_first_sentence: "Timeout of the DeepGEMM precompile in seconds.",
});

// ---------------------------------------------------------------------------------------------
// Lookup helpers
// ---------------------------------------------------------------------------------------------

/** The flag with exactly this option string (no prefix matching). */
export function findFlag(flags: readonly FlagSpec[], name: string): FlagSpec | undefined {
    return flags.find((f) => f.option_strings.includes(name));
}

/** Flags by argparse dest; a list because deprecated aliases share the dest of their replacement. */
export function flagsByDest(flags: readonly FlagSpec[]): Map<string, FlagSpec[]> {
    const byDest = new Map<string, FlagSpec[]>();
    for (const f of flags) byDest.set(f.dest, [...(byDest.get(f.dest) ?? []), f]);
    return byDest;
}

export function isDeprecatedFlag(flag: FlagSpec): boolean {
    return flag.deprecated || flag.action.startsWith("Deprecated");
}

/** Option string -> flag, in the order argparse registers them (help first). */
type OptionTable = Map<string, FlagSpec>;

function optionTable(flags: readonly FlagSpec[]): OptionTable {
    const table: OptionTable = new Map();
    for (const f of [HELP_FLAG, ...flags]) for (const o of f.option_strings) if (!table.has(o)) table.set(o, f);
    return table;
}

function flagsFor(flags: readonly FlagSpec[], entry: SglangEntry): FlagSpec[] {
    return entry === "compile_deep_gemm" ? [...flags, DEEP_GEMM_TIMEOUT_FLAG] : [...flags];
}

// ---------------------------------------------------------------------------------------------
// Token classification: CPython argparse `_parse_optional` / `_get_option_tuples`
// ---------------------------------------------------------------------------------------------

// argparse's `_negative_number_matcher` (3.11): such tokens are values, not options, because no
// SGLang option looks like a negative number.
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

type TokenKind = { kind: "value" } | { kind: "option"; res: OptionResolution };

const asOption = (res: OptionResolution): TokenKind => ({ kind: "option", res });

function classifyToken(token: string, table: OptionTable): TokenKind {
    if (token === "" || !token.startsWith("-")) return { kind: "value" };
    const exact = table.get(token);
    if (exact) return asOption(resolved("exact", exact, token));
    if (token.length === 1) return { kind: "value" };
    const eq = token.indexOf("=");
    if (eq >= 0) {
        const byName = table.get(token.slice(0, eq));
        if (byName) return asOption(resolved("exact", byName, token.slice(0, eq), token.slice(eq + 1)));
    }
    const matches = prefixMatches(token, table);
    if (matches.length > 1) return asOption({ kind: "ambiguous", candidates: matches.map((m) => m.optionString) });
    if (matches.length === 1) {
        const m = matches[0]!;
        return asOption(resolved("abbreviation", table.get(m.optionString)!, m.optionString, m.explicitValue));
    }
    if (NEGATIVE_NUMBER.test(token) || token.includes(" ")) return { kind: "value" };
    return asOption({ kind: "unknown" });
}

function resolved(kind: "exact" | "abbreviation", flag: FlagSpec, optionString: string, explicitValue?: string): OptionResolution {
    return explicitValue === undefined ? { kind, flag, optionString } : { kind, flag, optionString, explicitValue };
}

/** Every option string the token could abbreviate; argparse counts option strings, not flags. */
function prefixMatches(token: string, table: OptionTable): { optionString: string; explicitValue?: string }[] {
    const out: { optionString: string; explicitValue?: string }[] = [];
    if (token.startsWith("--")) {
        const eq = token.indexOf("=");
        const prefix = eq >= 0 ? token.slice(0, eq) : token;
        const explicitValue = eq >= 0 ? token.slice(eq + 1) : undefined;
        for (const o of table.keys()) if (o.startsWith(prefix)) out.push(explicitValue === undefined ? { optionString: o } : { optionString: o, explicitValue });
    } else {
        // A single-dash token may be a short option glued to its value (`-hfoo`).
        for (const o of table.keys()) {
            if (o === token.slice(0, 2)) out.push({ optionString: o, explicitValue: token.slice(2) });
            else if (o.startsWith(token)) out.push({ optionString: o });
        }
    }
    return out;
}

/**
 * What SGLang's parser (allow_abbrev on) makes of one option token: the flag it names exactly, the
 * flag it abbreviates, an ambiguous prefix with its candidates, or nothing. `--flag=value` is split.
 */
export function resolveOptionToken(token: string, flags: readonly FlagSpec[]): OptionResolution {
    const c = classifyToken(token, optionTable(flags));
    return c.kind === "option" ? c.res : { kind: "unknown" };
}

// ---------------------------------------------------------------------------------------------
// Values: nargs, type conversion, choices
// ---------------------------------------------------------------------------------------------

type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

const ok = (value: unknown): Converted => ({ ok: true, value });
const bad = (reason: string): Converted => ({ ok: false, reason });

// Python's int(): optional whitespace and sign, ASCII digits with single underscores between them.
const PY_INT = /^\s*[+-]?\d(?:_?\d)*\s*$/;
const DIGITS = String.raw`\d(?:_?\d)*`;
// Python's float(): decimal or exponent forms, or inf/infinity/nan, with the same underscore rule.
const PY_FLOAT = new RegExp(String.raw`^\s*[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)\s*$`, "i");

export function parsePythonInt(text: string): Converted {
    if (!PY_INT.test(text)) return bad(`invalid int value: '${text}'`);
    return safeInteger(BigInt(text.trim().replace(/_/g, "")), text);
}

function safeInteger(n: bigint, text: string): Converted {
    // Larger ints are legal in Python but would lose precision here; no SGLang setting needs them.
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) return bad(`int value '${text}' is too large to check`);
    return ok(Number(n));
}

export function parsePythonFloat(text: string): Converted {
    if (!PY_FLOAT.test(text)) return bad(`invalid float value: '${text}'`);
    const t = text.trim().replace(/_/g, "").toLowerCase();
    const sign = t.startsWith("-") ? -1 : 1;
    const body = t.replace(/^[+-]/, "");
    if (body === "inf" || body === "infinity") return ok(sign * Infinity);
    if (body === "nan") return ok(NaN);
    return ok(Number(t));
}

// SGLang's human_readable_int at main-2026-07-20 (python/sglang/srt/utils/common.py): SI suffixes
// k, M, G, T (decimals allowed) and IEC Ki, Mi, Gi, Ti (integers only), case-sensitive; otherwise int().
// So `128k` is 128000, `1K` and `1m` are rejected, `1M` is 10**6 (not 2**20).
const HUMAN_READABLE = /^(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|k|M|G|T)$/;
const SUFFIX_MULTIPLIER: Record<string, bigint> = {
    k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n,
    Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n,
};

export function parseHumanReadableInt(text: string): Converted {
    const m = HUMAN_READABLE.exec(text.trim());
    if (!m) {
        const plain = parsePythonInt(text);
        return plain.ok ? plain : bad(`invalid human-readable int: '${text}' (a plain integer, or with suffix k, M, G, T, Ki, Mi, Gi, Ti; case-sensitive)`);
    }
    const [, whole, fraction = "", suffix] = m;
    if (fraction && suffix!.endsWith("i")) return bad(`'${text}': SGLang allows no decimals with IEC suffix ${suffix}`);
    const scale = 10n ** BigInt(fraction.length);
    const scaled = BigInt(whole! + fraction) * SUFFIX_MULTIPLIER[suffix!]!;
    // SGLang truncates (int(Decimal)); a value that truncates is a typo we refuse to pass on.
    if (scaled % scale !== 0n) return bad(`'${text}' is not a whole number of tokens; SGLang would truncate it`);
    return safeInteger(scaled / scale, text);
}

function parseJson(text: string): Converted {
    try {
        return ok(JSON.parse(text));
    } catch (e) {
        return bad(`invalid JSON: ${(e as Error).message}`);
    }
}

// parse_cuda_graph_config_arg (srt/model_executor/cuda_graph_config.py): a JSON object of phase ->
// object, with the keys each phase allows. The keys changed between releases, so they come from the
// release's own ALLOWED_KEYS_PER_PHASE, recorded in the flag set as type_facts.allowed_keys.
function parseCudaGraphConfig(text: string, allowedKeys: Record<string, readonly string[]>): Converted {
    const json = parseJson(text);
    if (!json.ok) return json;
    if (!isPlainObject(json.value)) return bad("--cuda-graph-config must be a JSON object");
    for (const [phase, settings] of Object.entries(json.value)) {
        const allowed = allowedKeys[phase];
        if (!allowed) return bad(`--cuda-graph-config: unknown phase '${phase}' (${Object.keys(allowedKeys).join(", ")})`);
        if (!isPlainObject(settings)) return bad(`--cuda-graph-config['${phase}'] must be a JSON object`);
        const stray = Object.keys(settings).find((k) => !allowed.includes(k));
        if (stray) return bad(`--cuda-graph-config['${phase}']: unknown key '${stray}' (${allowed.join(", ")})`);
        if ("backend" in settings && settings.backend === RETIRED_CUDA_GRAPH_BACKEND) return bad(`--cuda-graph-config['${phase}']: ${RETIRED_CUDA_GRAPH_BACKEND} was removed`);
    }
    return json;
}

// parse_cuda_graph_backend_arg (0.5.23): the value as text, but the retired backend is refused.
const RETIRED_CUDA_GRAPH_BACKEND = "tc_piecewise";

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

const CONVERTERS: Record<string, (text: string) => Converted> = {
    str: ok,
    // SGLang's nullable_str: empty or "None" means None.
    nullable_str: (t) => ok(t === "" || t === "None" ? null : t),
    int: parsePythonInt,
    float: parsePythonFloat,
    human_readable_int: parseHumanReadableInt,
    // orjson.loads; strict JSON, as JSON.parse.
    json_list_type: parseJson,
    // json.loads also takes NaN/Infinity; refusing them is the conservative side.
    loads: parseJson,
    parse_cuda_graph_backend_arg: (t) => (t === RETIRED_CUDA_GRAPH_BACKEND ? bad(`${t} was removed; select breakable, full, or disabled`) : ok(t)),
};

/** Converts one value by the flag's type and checks it against choices (after conversion, as argparse does). */
export function convertValue(flag: FlagSpec, text: string): Converted {
    const convert = flag.type === "parse_cuda_graph_config_arg" ? (t: string) => parseCudaGraphConfig(t, flag.type_facts?.allowed_keys ?? {}) : flag.type === null ? ok : CONVERTERS[flag.type];
    if (!convert) return bad(`cannot check values of type ${flag.type}`);
    const converted = convert(text);
    if (!converted.ok || !flag.choices) return converted;
    if ((flag.choices as unknown[]).includes(converted.value)) return converted;
    return bad(`invalid choice: '${text}' (choose from ${flag.choices.join(", ")})`);
}

/** The value argparse stores for a flag given these (already converted) values. */
function storedValue(flag: FlagSpec, optionString: string, values: unknown[]): unknown {
    switch (flag.action) {
        case "store_true":
            return true;
        case "BooleanOptionalAction":
            return !optionString.startsWith("--no-");
        default:
            if (flag.nargs === "?" && values.length === 0) return flag.const;
            return flag.nargs === null || flag.nargs === "?" ? values[0] : values;
    }
}

// ---------------------------------------------------------------------------------------------
// Deprecation messages
// ---------------------------------------------------------------------------------------------

// Replacements the extracted first help sentence does not carry (sglang-facts §2.2; server_args.py
// at main-2026-07-20 line 7185 for --disable-cuda-graph).
const KNOWN_REPLACEMENTS: Record<string, string> = {
    "--disable-cuda-graph": "--cuda-graph-backend-decode disabled --cuda-graph-backend-prefill disabled",
    "--enable-flashmla": "--attention-backend flashmla",
    "--enable-flashinfer-mla": "--attention-backend flashinfer",
};

// A flag named in help text, with its `=value` but without the sentence's closing punctuation.
const FLAG_MENTION = /--[a-z0-9][a-z0-9-]*(?:=[^\s)]*[^\s).,;])?/g;

/** The flag(s) to use instead: named in the help, else a live flag with the same dest, else a known fact. */
export function deprecationReplacement(flag: FlagSpec, flags: readonly FlagSpec[]): string | undefined {
    const named = (flag.help_first_sentence ?? "").match(FLAG_MENTION)?.filter((m) => !flag.option_strings.includes(m.split("=")[0]!));
    if (named && named.length > 0) return named.join(" ");
    if (flag.action === "DeprecatedAliasStoreAction") {
        const live = flags.find((f) => f.dest === flag.dest && !isDeprecatedFlag(f));
        if (live) return live.flag;
    }
    return flag.option_strings.map((o) => KNOWN_REPLACEMENTS[o]).find((r) => r !== undefined);
}

function deprecationReason(flag: FlagSpec, optionString: string, flags: readonly FlagSpec[]): string {
    const replacement = deprecationReplacement(flag, flags);
    const help = flag.help_first_sentence && flag.help_first_sentence !== "==SUPPRESS==" ? ` (SGLang: "${flag.help_first_sentence}")` : "";
    return `${optionString} is deprecated in this SGLang release${replacement ? `; use ${replacement} instead` : ""}${help}`;
}

// ---------------------------------------------------------------------------------------------
// The option loop shared by parseSglangArgv and splitExtraArgs
// ---------------------------------------------------------------------------------------------

interface LoopResult {
    groups: ArgGroup[];
    problems: ArgvProblem[];
    /** Flags the tokens name, valid or not: a required flag with a bad value is not also "missing". */
    given: Set<FlagSpec>;
}

/** Parses tokens[start..] as SGLang options; every problem carries its index in `tokens`. */
function parseOptions(tokens: readonly string[], start: number, flags: readonly FlagSpec[], opts: ParseOptions): LoopResult {
    const table = optionTable(flags);
    const kinds = tokens.map((t) => classifyToken(t, table));
    const groups: ArgGroup[] = [];
    const problems: ArgvProblem[] = [];
    const firstIndexOf = new Map<FlagSpec, number>();
    const problem = (index: number, reason: string) => problems.push({ index, token: tokens[index] ?? "", reason });

    let i = start;
    while (i < tokens.length) {
        const token = tokens[i]!;
        const tokenKind = kinds[i]!;
        if (token === "--") {
            problem(i, "'--' ends SGLang's options and SGLang takes no positional arguments");
            i++;
            continue;
        }
        if (tokenKind.kind === "value") {
            problem(i, `unexpected positional argument '${token}' (SGLang takes only options)`);
            i++;
            continue;
        }
        const kind = tokenKind.res;
        if (kind.kind === "unknown" || kind.kind === "ambiguous") {
            problem(i, kind.kind === "unknown" ? `unknown option ${optionName(token)}` : `ambiguous option ${optionName(token)} could match ${kind.candidates!.join(", ")}`);
            i = skipValues(kinds, i + 1); // its would-be values are not separate problems
            continue;
        }
        const flag = kind.flag!;
        const optionString = kind.optionString!;
        if (flag === HELP_FLAG) {
            problem(i, `${optionString} prints SGLang's usage and exits; the server would not start`);
            i++;
            continue;
        }
        if (kind.kind === "abbreviation" && !opts.allowAbbreviations) problem(i, `abbreviation of ${optionString}; use the full name`);
        const first = firstIndexOf.get(flag);
        if (first !== undefined) problem(i, `${flag.flag} is given twice (first at index ${first}); give it once`);
        else firstIndexOf.set(flag, i);
        const taken = takeValues(flag, kind.explicitValue, tokens, kinds, i);
        if (!taken.ok) {
            problem(i, `${optionString} ${taken.reason}`);
            i = taken.next;
            continue;
        }
        if (isDeprecatedFlag(flag)) problem(i, deprecationReason(flag, optionString, flags));

        const converted: unknown[] = [];
        let valuesOk = true;
        taken.values.forEach((text, k) => {
            const c = convertValue(flag, text);
            if (c.ok) converted.push(c.value);
            else {
                valuesOk = false;
                problem(kind.explicitValue === undefined ? i + 1 + k : i, `${optionString}: ${c.reason}`);
            }
        });
        if (valuesOk) {
            groups.push({
                token,
                index: i,
                flag,
                optionString,
                canonical: kind.kind === "exact",
                values: taken.values,
                value: storedValue(flag, optionString, converted),
            });
        }
        i = taken.next;
    }
    return { groups, problems, given: new Set(firstIndexOf.keys()) };
}

function optionName(token: string): string {
    return token.startsWith("--") && token.includes("=") ? token.slice(0, token.indexOf("=")) : token;
}

function skipValues(kinds: readonly TokenKind[], from: number): number {
    let i = from;
    while (i < kinds.length && kinds[i]!.kind === "value") i++;
    return i;
}

type Taken = { ok: true; values: string[]; next: number } | { ok: false; reason: string; next: number };

/** The raw values an option consumes, following argparse's nargs rules. */
function takeValues(flag: FlagSpec, explicitValue: string | undefined, tokens: readonly string[], kinds: readonly TokenKind[], at: number): Taken {
    const available = skipValues(kinds, at + 1) - (at + 1);
    const following = (n: number) => tokens.slice(at + 1, at + 1 + n) as string[];
    const nargs = flag.nargs;
    if (nargs === 0) {
        if (explicitValue !== undefined) return { ok: false, reason: `takes no value (got '=${explicitValue}')`, next: at + 1 };
        return { ok: true, values: [], next: at + 1 };
    }
    // argparse drops a '--' value (CPython 3.11 turns `--flag=--` into []); too quirky to pass on.
    if (explicitValue === "--") return { ok: false, reason: "has the value '--', which argparse drops", next: at + 1 };
    // An `=value` is the whole argument list: argparse does not read further tokens after it.
    if (explicitValue !== undefined) {
        if (typeof nargs === "number" && nargs !== 1) return { ok: false, reason: `expects ${nargs} values`, next: at + 1 };
        return { ok: true, values: [explicitValue], next: at + 1 };
    }
    switch (nargs) {
        case null:
            if (available < 1) return { ok: false, reason: "expects one value", next: at + 1 };
            return { ok: true, values: following(1), next: at + 2 };
        case "?":
            return { ok: true, values: following(Math.min(available, 1)), next: at + 1 + Math.min(available, 1) };
        case "*":
            return { ok: true, values: following(available), next: at + 1 + available };
        case "+":
            if (available < 1) return { ok: false, reason: "expects at least one value", next: at + 1 };
            return { ok: true, values: following(available), next: at + 1 + available };
        default:
            if (typeof nargs === "number" && available >= nargs) return { ok: true, values: following(nargs), next: at + 1 + nargs };
            return { ok: false, reason: `expects ${String(nargs)} values`, next: at + 1 + Math.min(available, Number(nargs) || 0) };
    }
}

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/** Checks `python3 -m sglang.<entry>` and decides which entry the argv runs. */
function checkLeadingTokens(argv: readonly string[], wanted: SglangEntry | undefined): { entry: SglangEntry; problems: ArgvProblem[] } {
    const problems: ArgvProblem[] = [];
    const expect = (index: number, want: string) => {
        if (argv[index] !== want) problems.push({ index, token: argv[index] ?? "", reason: `expected '${want}' (the argv starts with python3 -m sglang.<module>)` });
    };
    expect(0, "python3");
    expect(1, "-m");
    const named = (Object.keys(MODULE_OF) as SglangEntry[]).find((e) => MODULE_OF[e] === argv[2]);
    const entry = wanted ?? named ?? "launch_server";
    if (wanted) expect(2, MODULE_OF[wanted]);
    else if (!named) problems.push({ index: 2, token: argv[2] ?? "", reason: `expected ${Object.values(MODULE_OF).join(" or ")}` });
    return { entry, problems };
}

function missingRequired(flags: readonly FlagSpec[], given: ReadonlySet<FlagSpec>): ArgvProblem[] {
    return flags
        .filter((f) => f.required && !given.has(f))
        .map((f) => ({ index: -1, token: "", reason: `the required option ${f.flag} is missing` }));
}

/**
 * Parses a full SGLang argv (`python3 -m sglang.launch_server ...` or `... sglang.compile_deep_gemm ...`)
 * against a release's flag set. Returns every problem found, not just the first.
 */
export function parseSglangArgv(argv: string[], flags: FlagSpec[], opts: ParseOptions = {}): ParseResult {
    const leading = checkLeadingTokens(argv, opts.entry);
    const all = flagsFor(flags, leading.entry);
    const loop = parseOptions(argv, Math.min(3, argv.length), all, opts);
    const problems = [...leading.problems, ...loop.problems, ...missingRequired(all, loop.given)];
    if (problems.length > 0) return { ok: false, problems };
    const values: Record<string, unknown> = {};
    for (const g of loop.groups) values[g.flag.dest] = g.value;
    const seen = loop.groups.map(({ token, flag, canonical, optionString, index }) => ({ token, flag, canonical, optionString, index }));
    return { ok: true, parsed: { values, seen } };
}

/**
 * Groups a list of extra SGLang options (no `python3 -m ...` prefix) into option + values, with the
 * same rules as parseSglangArgv; indices are positions in `args`. Required flags are not demanded.
 */
export function splitExtraArgs(args: string[], flags: FlagSpec[], opts: ParseOptions = {}): SplitResult {
    const loop = parseOptions(args, 0, flagsFor(flags, opts.entry ?? "launch_server"), opts);
    return loop.problems.length > 0 ? { ok: false, problems: loop.problems } : { ok: true, groups: loop.groups };
}
