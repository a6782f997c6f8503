// A record of validator runs that passed, so a rerun over the same bytes need not pay for the validator
// again (shellcheck takes seconds over the boot scripts). The key is everything the verdict depends on:
// the validator's own version output, its arguments, and the name and content of every file it reads.
// Only passes are recorded: a failing input is checked, and fails, every time. Kept in .tmp/ (ignored);
// deleting it only costs time.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const DIR = resolve(__dirname, "..", "..", ".tmp", "validator-passes");

export interface PassKey {
    /** The validator's version output (e.g. `shellcheck --version`), so an upgrade runs it again. */
    version: string;
    args: readonly string[];
    /** name -> content of every file the run reads */
    files: ReadonlyArray<readonly [string, string | Buffer]>;
}

function digest(key: PassKey): string {
    const h = createHash("sha256");
    const part = (s: string | Buffer) => {
        h.update(String(Buffer.byteLength(s)));
        h.update(":");
        h.update(s);
    };
    part(key.version);
    for (const a of key.args) part(a);
    for (const [name, content] of key.files) {
        part(name);
        part(content);
    }
    return h.digest("hex");
}

/** Runs `check` unless this exact key passed before; `check` throws on failure, and a pass is recorded. */
export function unlessPassedBefore(key: PassKey, check: () => void): void {
    const file = join(DIR, digest(key));
    if (existsSync(file)) return;
    check();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, `${new Date().toISOString()}\n`);
}

export function readFiles(dir: string, names: readonly string[]): [string, Buffer][] {
    return names.map((n) => [n, readFileSync(join(dir, n))]);
}
