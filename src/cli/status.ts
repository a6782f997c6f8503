// `npm run status -- --stack NAME [--location URL] [--json]`: every node's stage, progress and last
// error, read from the status records through the cloud's API (the cloud adapter's status store):
// no SSH, no SSM. Exit 0 when rank 0 serves, 1 when a node failed, 3 while the cluster boots,
// 2 on bad arguments.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StatusStore } from "../clouds/adapter";
import { cloudAdapter } from "../clouds/registry";
import { ConfigFileError, listStacks, readStackFile, stacksDir } from "../config";
import { formatProblems, planFromConfig, type ServingPlan } from "../plan/index";
import { assess, formatFailure, parseRecord, progressOf, type Assessment, type NodeStatus } from "../readiness/assess";

const ROOT = path.resolve(__dirname, "..", "..");
export const USAGE = `usage: npm run status -- --stack NAME [--location URL] [--json]

Reads every node's status record (rank-N.json under the stack's statusLocation output) through the
cloud's API and prints each node's stage, progress, last error, and for a failed node the tail of
the failing stage's log. --location defaults to \`pulumi stack output statusLocation --stack NAME\`.
Exit 0: rank 0 serves; 1: a node failed; 3: still booting; 2: bad arguments.`;

export class UsageError extends Error {}

export interface StatusArgs {
    stack: string;
    location: string | null;
    json: boolean;
}

export function parseArgs(argv: string[]): StatusArgs {
    const args: Partial<StatusArgs> = { json: false, location: null };
    const problems: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === "--help" || a === "-h") throw new UsageError(USAGE);
        if (a === "--json") { args.json = true; continue; }
        if (a === "--stack" || a === "--location") {
            const v = argv[++i];
            if (!v || v.startsWith("--")) problems.push(`${a} needs a value`);
            else if (a === "--stack") args.stack = v;
            else args.location = v;
            continue;
        }
        problems.push(`unknown argument ${a}`);
    }
    if (!args.stack) problems.push("--stack is required");
    if (problems.length) throw new UsageError(`${problems.join("\n")}\n${USAGE.split("\n")[0]}`);
    return args as StatusArgs;
}

export function planOfStack(stack: string): ServingPlan {
    const file = path.join(stacksDir(ROOT), `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new ConfigFileError(`--stack ${stack}: no file stacks/Pulumi.${stack}.yaml; stacks: ${listStacks(ROOT).join(", ")}`);
    const config = readStackFile(file, stack);
    const r = planFromConfig(config.values, { stack, secretKeys: config.secretKeys });
    if (!r.ok) throw new ConfigFileError(`stacks/Pulumi.${stack}.yaml is invalid:\n${formatProblems(r.problems)}`);
    return r.plan;
}

/** The stack's `statusLocation` output, through the Pulumi CLI of the machine that deployed it. */
export function statusLocationOutput(stack: string): string {
    const r = spawnSync("pulumi", ["stack", "output", "statusLocation", "--stack", stack], { cwd: ROOT, encoding: "utf8" });
    if (r.error || r.status !== 0) {
        const why = r.error ? `cannot run the pulumi CLI (${r.error.message})` : (r.stderr.trim() || `pulumi exited ${r.status}`);
        throw new ConfigFileError(`--stack ${stack}: ${why}; pass --location with the stack's statusLocation output`);
    }
    return r.stdout.trim();
}

export interface StatusReport {
    location: string;
    records: NodeStatus[];
    assessment: Assessment;
    /** Bodies in the store that are not status records (named, never silently dropped). */
    unreadable: number;
}

export async function statusReport(plan: ServingPlan, location: string, store: StatusStore): Promise<StatusReport> {
    const bodies = await store.read(location);
    const records = bodies.map(parseRecord).filter((r): r is NodeStatus => r !== null).sort((a, b) => a.rank - b.rank);
    return { location, records, assessment: assess(records, plan.nodes.length), unreadable: bodies.length - records.length };
}

function age(iso: string, now: number): string {
    const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${(s / 3600).toFixed(1)}h ago`;
}

export function formatReport(plan: ServingPlan, r: StatusReport, now = Date.now()): string[] {
    const out = [`${plan.stack}: ${plan.nodes.length} node(s), status records at ${r.location}`];
    const byRank = new Map(r.records.map((x) => [x.rank, x]));
    for (const node of plan.nodes) {
        const rec = byRank.get(node.rank);
        if (!rec) { out.push(`  rank ${node.rank}  ${node.address}  no record yet (the node has not reached its first stage)`); continue; }
        const progress = progressOf(rec);
        out.push(`  rank ${rec.rank}  ${rec.address}  ${rec.stage} ${rec.state}${progress ? `  ${progress}` : ""}  (updated ${age(rec.updatedAt, now)})`);
        if (rec.lastError) out.push(`          last error in ${rec.lastError.stage} (${age(rec.lastError.at, now)}): ${rec.lastError.message}`);
    }
    if (r.unreadable) out.push(`  ${r.unreadable} object(s) under the location are not status records`);
    const a = r.assessment;
    if (a.kind === "serving") out.push("serving: rank 0 answered a real generation");
    else if (a.kind === "failed") out.push(`FAILED: ${formatFailure(a)}`);
    else out.push("booting: not serving yet");
    return out;
}

export const EXIT_CODES: Record<Assessment["kind"], number> = { serving: 0, failed: 1, waiting: 3 };

export async function run(argv: string[], out: (s: string) => void, err: (s: string) => void, store?: StatusStore): Promise<number> {
    let args: StatusArgs;
    let plan: ServingPlan;
    let location: string;
    let reader: StatusStore;
    try {
        args = parseArgs(argv);
        plan = planOfStack(args.stack);
        const s = store ?? cloudAdapter(plan.cloud).statusStore?.(plan.region);
        if (!s) throw new ConfigFileError(`--stack ${args.stack}: cloud ${plan.cloud} has no status reader yet`);
        reader = s;
        location = args.location ?? statusLocationOutput(args.stack);
    } catch (e) {
        if (e instanceof UsageError && argv.some((a) => a === "--help" || a === "-h")) { out(e.message); return 0; }
        if (e instanceof UsageError || e instanceof ConfigFileError) { err(e.message); return 2; }
        throw e;
    }
    let report: StatusReport;
    try {
        report = await statusReport(plan, location, reader);
    } catch (e) {
        err(`status: cannot read the status records: ${e instanceof Error ? e.message : String(e)}`);
        return 1;
    }
    if (args.json) out(JSON.stringify({ stack: plan.stack, location, state: report.assessment.kind, assessment: report.assessment, records: report.records }, null, 1));
    else for (const line of formatReport(plan, report)) out(line);
    return EXIT_CODES[report.assessment.kind];
}

if (require.main === module) {
    run(process.argv.slice(2), (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`)).then(
        (code) => { process.exitCode = code; },
        (e: unknown) => { process.stderr.write(`status: internal error: ${e instanceof Error ? e.message : String(e)}\n`); process.exitCode = 1; },
    );
}
