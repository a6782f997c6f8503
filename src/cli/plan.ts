// `npm run plan -- [--stack NAME | --config FILE] [--json | --verbose]`: the offline preview of DESIGN.md.
// Exit 0: every stack planned. Exit 2: invalid input, every problem on stderr as `<path>: <reason>`.

import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigFileError, listStacks, readStackFile, stacksDir, type StackConfig } from "../config";
import { formatProblems, planFromConfig, type Problem, type ServingPlan } from "../plan/index";
import { previewStack, decodeUserData, type Preview } from "./preview";
import { coldStart, renderUserData } from "../boot/index";
import { cloudAdapter } from "../clouds/registry";
import { HF_TOKEN_KEY } from "../intent/schema";
import { stagingEstimate, type StagingEstimate } from "../weights/staging";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run plan -- [--stack NAME | --config FILE] [--json | --verbose] [--help]";
const HELP = `${USAGE}

Plans stacks offline: no cloud account and no Pulumi CLI. Runs the same program as \`pulumi up\`
under Pulumi's mock runtime, so it shows exactly what would be created.

  (no stack)      plan every stacks/Pulumi.<name>.yaml; one summary line per stack
  --stack NAME    plan stacks/Pulumi.NAME.yaml
  --config FILE   plan any file of that format (a \`config:\` map)
  --json          print the whole plan as one JSON document (every node's argv, env and user data,
                  the resources, the warnings); values the preview made up are listed in "placeholders"
  --verbose       per node: address, SGLang command line, container environment; then the warnings
  --help          this text

Exit codes: 0 planned; 2 invalid input, each problem on stderr as \`<config path>: <reason>\`.
Config keys: docs/config-reference.md.`;

export class UsageError extends Error {}

/** \`--help\`: not an error, but it ends the run before anything is planned. */
export class HelpRequested extends Error {}

export interface CliArgs {
    stack?: string;
    config?: string;
    json: boolean;
    verbose: boolean;
}

export function parseArgs(argv: string[]): CliArgs {
    const args: CliArgs = { json: false, verbose: false };
    const seen = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i] ?? "";
        if (a === "--help" || a === "-h") throw new HelpRequested(HELP);
        if (a.startsWith("--") && seen.has(a)) throw new UsageError(`${a} given twice\n${USAGE}`);
        seen.add(a);
        if (a === "--json") args.json = true;
        else if (a === "--verbose") args.verbose = true;
        else if (a === "--stack" || a === "--config") {
            const v = argv[++i];
            if (!v || v.startsWith("--")) throw new UsageError(`${a} needs a value\n${USAGE}`);
            args[a === "--stack" ? "stack" : "config"] = v;
        } else throw new UsageError(`unknown argument ${a}\n${USAGE}`);
    }
    if (args.stack && args.config) throw new UsageError(`--stack and --config exclude each other\n${USAGE}`);
    if (args.json && args.verbose) throw new UsageError(`--json and --verbose exclude each other\n${USAGE}`);
    return args;
}

function targets(args: CliArgs): StackConfig[] {
    if (args.config) {
        if (!fs.existsSync(args.config)) throw new ConfigFileError(`${args.config}: no such file`);
        return [readStackFile(args.config, null)];
    }
    const names = args.stack ? [args.stack] : listStacks(ROOT);
    return names.map((name) => {
        const file = path.join(stacksDir(ROOT), `Pulumi.${name}.yaml`);
        if (!fs.existsSync(file)) throw new ConfigFileError(`--stack ${name}: no file stacks/Pulumi.${name}.yaml; stacks: ${listStacks(ROOT).join(", ")}`);
        return readStackFile(file, name);
    });
}

/** The `--json` document of DESIGN.md's plan contract. */
export function planDocument(plan: ServingPlan, preview: Preview, config: StackConfig): Record<string, unknown> {
    const fromResources = preview.resources.length > 0 && cloudAdapter(plan.cloud).preview?.userData !== undefined;
    const userData = fromResources ? userDataByRank(plan, preview) : plannedUserData(plan, config);
    return {
        stack: plan.stack,
        cloud: plan.cloud,
        region: plan.region,
        row: plan.row,
        instanceType: plan.placement.instanceType,
        placement: { ...plan.placement, settings: undefined },
        model: plan.model,
        weights: plan.weights,
        sglang: { version: plan.sglang.version, image: plan.sglang.image, readinessPath: plan.sglang.readinessPath },
        parallel: plan.parallel,
        fabric: plan.fabric,
        nodes: plan.nodes.map((n) => ({ rank: n.rank, address: n.address, launch: n.launch, precompile: n.precompile, env: n.env, userData: userData[n.rank] ?? "" })),
        deepgemm: { precompile: plan.deepgemm.precompile, launch: plan.deepgemm.launch, cacheKey: plan.deepgemm.cacheKey, beforeWeights: plan.deepgemm.beforeWeights },
        coldStart: coldStart(plan),
        resources: preview.resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })),
        outputs: redactSecrets(preview.outputs),
        costPerHour: plan.costPerHour,
        staging: stagingOf(plan),
        warnings: plan.warnings,
        placeholders: preview.placeholders,
    };
}

/** What staging costs and saves, on clouds whose component stages; null elsewhere. */
function stagingOf(plan: ServingPlan): StagingEstimate | null {
    const host = cloudAdapter(plan.cloud).stagingHost?.(plan.placement) ?? null;
    return host ? stagingEstimate(plan, host) : null;
}

function redactSecrets(outputs: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) out[k] = /key|token|secret/i.test(k) ? "[secret]" : v;
    return out;
}

/** Clouds without a component: the user data their nodes would get under the planned names. */
function plannedUserData(plan: ServingPlan, config: StackConfig): string[] {
    const hooks = cloudAdapter(plan.cloud).plannedHooks?.(plan, { hfToken: HF_TOKEN_KEY in config.values }) ?? null;
    return plan.nodes.map((n) => (hooks ? renderUserData(plan, n.rank, hooks) : ""));
}

/** Rank -> uncompressed cloud-init text, read back from the resources that carry each rank's user data. */
export function userDataByRank(plan: ServingPlan, preview: Preview): string[] {
    const out: string[] = Array.from({ length: plan.nodes.length }, () => "");
    const reader = cloudAdapter(plan.cloud).preview;
    for (const r of preview.resources) {
        const found = reader?.userData?.(r);
        if (found && found.rank < out.length) out[found.rank] = decodeUserData(found.raw);
    }
    return out;
}

const SUMMARY_WIDTHS = [24, 6, 16, 50, 18, 6, 11, 16, 0] as const;

function columns(texts: readonly string[]): string {
    return texts.map((text, i) => text.padEnd(SUMMARY_WIDTHS[i] ?? 0)).join("  ").trimEnd();
}

/** The summary's first line: what each column holds. */
export const SUMMARY_HEADER = columns(["STACK", "CLOUD", "ROW", "NODES x SHAPE (GPUS)", "RELEASE", "TP", "$/HOUR", "COLD START", "RESOURCES"]);

/** Cold start in minutes: weights from a mirror .. from the Hugging Face Hub. */
function coldStartText(plan: ServingPlan): string {
    const t = coldStart(plan).totalMinutes;
    return `cold ${Math.round(t.mirror)}-${Math.round(t.hub)} min`;
}

export function summaryLine(plan: ServingPlan, preview: Preview): string {
    const shape = plan.placement.instanceType ? `${plan.row.nodes} x ${plan.placement.instanceType}` : `${plan.row.nodes} host(s)`;
    const cost = plan.costPerHour === null ? "price n/a" : `$${plan.costPerHour.toFixed(2)}/h`;
    const res = preview.resources.length > 0 ? `${preview.resources.length} resources` : "no component yet";
    return columns([
        plan.stack ?? "(file)", plan.cloud, plan.row.id, `${shape} (${plan.row.nodes * plan.row.gpusPerNode} x ${plan.gpu.id})`,
        `sglang ${plan.sglang.version}`, `tp ${plan.parallel.tp}`, cost, coldStartText(plan), res,
    ]);
}

/** `preview` is previewStack; a caller that plans the same stacks many times (the tests) may pass a memoised one. */
export async function run(argv: string[], out: (s: string) => void, err: (s: string) => void, preview: typeof previewStack = previewStack): Promise<number> {
    let stacks: StackConfig[];
    let args: CliArgs;
    try {
        args = parseArgs(argv);
        stacks = targets(args);
    } catch (e) {
        if (e instanceof HelpRequested) {
            out(e.message);
            return 0;
        }
        if (e instanceof UsageError || e instanceof ConfigFileError) {
            err(e.message);
            return 2;
        }
        throw e;
    }
    const failures: { stack: string | null; problems: Problem[] }[] = [];
    const docs: Record<string, unknown>[] = [];
    const lines: string[] = [];
    const details: string[] = [];
    const warnings: string[] = [];
    for (const config of stacks) {
        const result = planFromConfig(config.values, { stack: config.stack, secretKeys: config.secretKeys });
        if (!result.ok) {
            failures.push({ stack: config.stack, problems: result.problems });
            continue;
        }
        const previewed = await preview(config, result.plan);
        docs.push(planDocument(result.plan, previewed, config));
        lines.push(summaryLine(result.plan, previewed));
        if (args.verbose) details.push(verboseView(result.plan, previewed));
        const prefix = stacks.length > 1 ? `${config.stack}: ` : "";
        for (const w of result.plan.warnings) warnings.push(`${prefix}warning: ${w.path ? `${w.path}: ` : ""}${w.message}`);
    }
    for (const f of failures) {
        const text = formatProblems(f.problems);
        err(stacks.length > 1 ? text.split("\n").map((l) => `${f.stack}: ${l}`).join("\n") : text);
    }
    if (failures.length > 0) return 2;
    // Warnings go beside the summary on stderr (stdout stays one line per stack); --json carries them too.
    if (args.json) out(JSON.stringify(args.stack || args.config ? docs[0] : docs, null, 2));
    else if (args.verbose) out(details.join("\n\n"));
    else {
        if (warnings.length > 0) err(warnings.join("\n"));
        out([SUMMARY_HEADER, ...lines].join("\n"));
    }
    return 0;
}

/** `--verbose`: one stack for a person: per node its address, command line and environment, then the warnings. */
export function verboseView(plan: ServingPlan, preview: Preview): string {
    const out = [
        `${plan.stack ?? "(file)"}: ${summaryLine(plan, preview).split(/\s{2,}/).slice(1).join(", ")}`,
        `  model ${plan.model.path}  image ${plan.sglang.image}`,
    ];
    for (const node of plan.nodes) {
        out.push(`  rank ${node.rank}  ${node.address}`);
        out.push(`    command: ${node.launch.map(shellQuote).join(" ")}`);
        const env = Object.entries(node.env);
        out.push(`    env:${env.length === 0 ? " (none)" : ""}`);
        for (const [k, v] of env) out.push(`      ${k}=${v}`);
    }
    if (plan.deepgemm.precompile && plan.deepgemm.launch) out.push(`  DeepGEMM precompile: ${plan.deepgemm.launch.map(shellQuote).join(" ")}`);
    const staging = stagingOf(plan);
    out.push(staging
        ? `  staging: ${staging.stagingHost} for ~${staging.stagingHours} h before any GPU node (${staging.stagingCostUsd === null ? "no sourced price" : `$${staging.stagingCostUsd}`}); saves ~${staging.gpuHoursAvoided} cluster-hours${staging.savedUsd === null ? "" : ` ($${staging.savedUsd})`} of a first boot`
        : "  staging: none (the nodes download the weights themselves)");
    out.push(`  warnings:${plan.warnings.length === 0 ? " none" : ""}`);
    for (const w of plan.warnings) out.push(`    ${w.path ? `${w.path}: ` : ""}${w.message}`);
    return out.join("\n");
}

function shellQuote(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

if (require.main === module) {
    // Set the exit code and let stdout drain: process.exit() would cut a large --json short on a pipe.
    run(process.argv.slice(2), (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`)).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            process.stderr.write(`plan: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exitCode = 1;
        },
    );
}
