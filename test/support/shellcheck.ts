// shellcheck for the tests, through the pass cache: a rerun over the same scripts, flags and shellcheck
// reuses the earlier pass instead of seconds of analysis. A failure is never cached, so a script that
// breaks fails on every run, with shellcheck's own report.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { readFiles, unlessPassedBefore } from "./pass-cache";

let version: string | undefined;

/** The rc files shellcheck would read for a run in cwd (its nearest .shellcheckrc, else the user's). */
function rcFiles(cwd: string): [string, Buffer][] {
    const found: [string, Buffer][] = [];
    for (let d = resolve(cwd); ; d = dirname(d)) {
        for (const n of [".shellcheckrc", "shellcheckrc"]) if (existsSync(join(d, n))) found.push([join(d, n), readFileSync(join(d, n))]);
        if (dirname(d) === d) break;
    }
    for (const f of [join(homedir(), ".shellcheckrc"), join(process.env["XDG_CONFIG_HOME"] ?? join(homedir(), ".config"), "shellcheckrc")]) {
        if (existsSync(f)) found.push([f, readFileSync(f)]);
    }
    return found;
}

/**
 * `shellcheck ...flags ...files` in cwd; `files` are the scripts named on the command line, `sourced` any
 * other file they source (with -x). Returns the run's status and report; a cached pass reports status 0.
 */
export function shellcheck(cwd: string, flags: readonly string[], files: readonly string[], sourced: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
    version ??= spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).stdout;
    let result = { status: 0 as number | null, stdout: "", stderr: "" };
    const key = {
        version: `${version}\n${process.env["SHELLCHECK_OPTS"] ?? ""}`,
        args: [...flags, "--", ...files],
        files: [...readFiles(cwd, [...files, ...sourced]), ...rcFiles(cwd)],
    };
    try {
        unlessPassedBefore(key, () => {
            const r = spawnSync("shellcheck", [...flags, ...files], { cwd, encoding: "utf8" });
            result = { status: r.status, stdout: r.stdout, stderr: r.stderr };
            if (r.status !== 0) throw new Error("shellcheck failed");
        });
    } catch {
        // result holds the failing run
    }
    return result;
}
