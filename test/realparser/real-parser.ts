// SGLang's own parser, run from each release's wheel (tools/sglang-flags/sglang_wheel.py parse), for
// every argv the tests collect: one Python process for all releases, so the check stays fast.
//
// Without the wheels (a fresh checkout that has not run `npm run sglang:wheels`) the check is skipped
// on a developer machine and FAILS where SGLANG_REQUIRE_WHEELS=1 (.ci/run sets it): CI must never pass
// without having asked SGLang itself.

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { RELEASES } from "../../src/catalog/index";

const TOOL = path.join(__dirname, "..", "..", "tools", "sglang-flags", "sglang_wheel.py");

export type RealVerdict = { ok: true; values: Record<string, unknown> } | { ok: false; error: string };
export type RealAnswer = { verdicts: Record<string, RealVerdict[]> } | { missing: string };

export const WHEELS_REQUIRED = process.env.SGLANG_REQUIRE_WHEELS === "1";

/** Verdicts of each release's real parser, in the order of `argvs[version]`; or why it could not run. */
export function realParse(argvs: Record<string, string[][]>): RealAnswer {
    // Each distinct argv is parsed once per release (many plans emit the same command line); every
    // occurrence gets that verdict.
    const releases: Record<string, { wheel: null; sha256: string; argvs: string[][] }> = {};
    const slots: Record<string, number[]> = {};
    for (const [version, list] of Object.entries(argvs)) {
        const seen = new Map<string, number>();
        const unique: string[][] = [];
        slots[version] = list.map((argv) => {
            const key = JSON.stringify(argv);
            let at = seen.get(key);
            if (at === undefined) seen.set(key, (at = unique.push(argv) - 1));
            return at;
        });
        releases[version] = { wheel: null, sha256: RELEASES[version]!.provenance.sha256, argvs: unique };
    }
    const run = spawnSync("python3", [TOOL, "parse"], { input: JSON.stringify({ releases }), maxBuffer: 256 << 20, encoding: "utf8" });
    if (run.error || run.status !== 0) return { missing: `sglang_wheel.py parse failed: ${run.error?.message ?? run.stderr}` };
    const answer = JSON.parse(run.stdout) as Record<string, { missing?: string; verdicts?: RealVerdict[] }>;
    const missing = Object.entries(answer).filter(([, a]) => a.missing).map(([v, a]) => `${v}: ${a.missing}`);
    if (missing.length > 0) return { missing: missing.join("\n") };
    return { verdicts: Object.fromEntries(Object.entries(answer).map(([v, a]) => [v, slots[v]!.map((i) => a.verdicts![i]!)])) };
}

/** Groups argvs by release, remembering where each came from for the failure message. */
export class ArgvBatch {
    readonly argvs: Record<string, string[][]> = {};
    readonly origins: Record<string, string[]> = {};

    add(version: string, argv: string[], origin: string): void {
        (this.argvs[version] ??= []).push(argv);
        (this.origins[version] ??= []).push(origin);
    }

    get size(): number {
        return Object.values(this.argvs).reduce((n, l) => n + l.length, 0);
    }

    /** Every argv the real parser refused, as `origin: error`. */
    refusals(answer: { verdicts: Record<string, RealVerdict[]> }): string[] {
        const out: string[] = [];
        for (const [version, verdicts] of Object.entries(answer.verdicts)) {
            verdicts.forEach((v, i) => {
                if (!v.ok) out.push(`${this.origins[version]![i]} (sglang ${version}): ${v.error}\n  ${this.argvs[version]![i]!.join(" ")}`);
            });
        }
        return out;
    }
}
