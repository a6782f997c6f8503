// `npm run smoke -- --endpoint URL --api-key-file F [...]`: acceptance after deploy. Runs the seed's
// own checks against the live server through the OpenAI client; exit 1 names every failed check.

import * as fs from "node:fs";
import { CHECK_DOCS, CHECK_NAMES, client, runChecks, type CheckName, type CheckResult, type SmokeOptions } from "../acceptance/checks";
import { formatLoad, runLoad } from "../acceptance/load";

export class UsageError extends Error {}

export const USAGE = `usage: npm run smoke -- --endpoint URL --api-key-file FILE [options]

Runs the checks of SGLang's DeepSeek page against a live server, through the official OpenAI
client, and exits 1 naming every check that failed (2 on bad arguments).

  --endpoint URL        the stack's endpoint output, e.g. http://10.42.0.10:30000
  --api-key-file FILE   file holding the API key (pulumi stack output apiKey --show-secrets > FILE)
  --model ID            served model id (default: the first one /v1/models lists)
  --checks LIST|auto    comma-separated checks to run (default auto: those the server's own launch
                        arguments enable, read from /get_server_info; the others are skipped)
  --thinking-budget N   thinking_budget of the thinking-budget check (default 64)
  --timeout S           per-request timeout in seconds (default 300)
  --load N              then a short load run of N streamed completions; prints throughput and
                        TTFT/ITL percentiles and fails if any request fails
  --concurrency C       requests in flight during --load (default min(N, 16))
  --max-tokens T        max_tokens of each --load request (default 128)

Checks, in order:
${CHECK_NAMES.map((n) => `  ${n.padEnd(18)}${CHECK_DOCS[n]}`).join("\n")}
`;

export interface SmokeArgs extends SmokeOptions {
    load: { requests: number; concurrency: number; maxTokens: number } | null;
}

function positiveInt(flag: string, v: string): number {
    if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`${flag} needs a positive integer, got ${JSON.stringify(v)}`);
    return Number(v);
}

export function parseArgs(argv: string[]): SmokeArgs {
    const values = new Map<string, string>();
    const known = ["--endpoint", "--api-key-file", "--model", "--checks", "--thinking-budget", "--timeout", "--load", "--concurrency", "--max-tokens"];
    const problems: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]!;
        if (a === "--help" || a === "-h") throw new UsageError(USAGE);
        const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
        if (!known.includes(flag)) { problems.push(`unknown argument ${a}`); continue; }
        const v = inline ?? argv[++i];
        if (v === undefined || (inline === undefined && v.startsWith("--"))) { problems.push(`${flag} needs a value`); continue; }
        values.set(flag, v);
    }
    for (const required of ["--endpoint", "--api-key-file"]) if (!values.has(required)) problems.push(`${required} is required`);
    const endpoint = values.get("--endpoint");
    if (endpoint && !/^https?:\/\/[^/\s]+/.test(endpoint)) problems.push(`--endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
    let only: CheckName[] | null = null;
    const checks = values.get("--checks");
    if (checks && checks !== "auto") {
        const names = checks.split(",").map((s) => s.trim()).filter(Boolean);
        const unknown = names.filter((n) => !(CHECK_NAMES as readonly string[]).includes(n));
        if (unknown.length) problems.push(`--checks: unknown check(s) ${unknown.join(", ")}; checks: ${CHECK_NAMES.join(", ")}`);
        only = names as CheckName[];
    }
    const num = (flag: string, dflt: number) => {
        const v = values.get(flag);
        if (v === undefined) return dflt;
        try { return positiveInt(flag, v); } catch (e) { problems.push((e as Error).message); return dflt; }
    };
    const thinkingBudget = num("--thinking-budget", 64);
    const timeoutS = num("--timeout", 300);
    const requests = num("--load", 0);
    const concurrency = num("--concurrency", Math.min(requests || 1, 16));
    const maxTokens = num("--max-tokens", 128);
    let apiKey = "";
    const keyFile = values.get("--api-key-file");
    if (keyFile) {
        try {
            apiKey = fs.readFileSync(keyFile, "utf8").trim();
            if (!apiKey) problems.push(`--api-key-file ${keyFile}: the file is empty`);
        } catch (e) {
            problems.push(`--api-key-file ${keyFile}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
        }
    }
    if (problems.length) throw new UsageError(`${problems.join("\n")}\n\n${USAGE.split("\n")[0]}  (--help lists the checks)`);
    return {
        endpoint: endpoint!, apiKey, model: values.get("--model"), timeoutMs: timeoutS * 1000, only, thinkingBudget,
        load: requests > 0 ? { requests, concurrency, maxTokens } : null,
    };
}

export function formatResult(r: CheckResult): string {
    const tag = { pass: "PASS", fail: "FAIL", skip: "SKIP" }[r.verdict];
    const time = r.verdict === "skip" ? "" : ` (${r.seconds.toFixed(2)} s)`;
    return `${tag}  ${r.name.padEnd(18)}${r.detail}${time}`;
}

/** Runs everything; returns the exit code. */
export async function smoke(args: SmokeArgs, out: (line: string) => void): Promise<number> {
    const results = await runChecks(args);
    for (const r of results) out(formatResult(r));
    const failed = results.filter((r) => r.verdict === "fail").map((r) => r.name as string);
    const model = args.model ?? null;
    if (args.load && failed.length === 0) {
        const served = model ?? (await client(args).models.list()).data[0]!.id;
        out(`load run: ${args.load.requests} streamed completions, ${args.load.concurrency} in flight, max_tokens ${args.load.maxTokens}`);
        const report = await runLoad(client(args), { ...args.load, model: served });
        for (const line of formatLoad(report)) out(`  ${line}`);
        if (report.failed > 0) {
            out(`FAIL  ${"load".padEnd(18)}${report.failed} of ${report.requests} requests failed, first: ${report.firstError}`);
            failed.push("load");
        }
    } else if (args.load) {
        out("load run skipped: a check failed");
    }
    if (failed.length) {
        out(`smoke: ${failed.length} check(s) failed: ${failed.join(", ")}`);
        return 1;
    }
    out(`smoke: all ${results.filter((r) => r.verdict === "pass").length} checks passed${args.load ? " and the load run succeeded" : ""}`);
    return 0;
}

if (require.main === module) {
    let args: SmokeArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        const help = process.argv.includes("--help") || process.argv.includes("-h");
        (help ? process.stdout : process.stderr).write(`${e.message.trimEnd()}\n`);
        process.exit(help ? 0 : 2);
    }
    // Set the exit code and let stdout drain (process.exit() could cut the report short on a pipe).
    smoke(args, (l) => process.stdout.write(`${l}\n`)).then((code) => { process.exitCode = code; }, (err: unknown) => {
        process.stderr.write(`smoke: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    });
}
