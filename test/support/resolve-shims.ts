// Preloaded by `npm test` (node --require), in the runner and in every test file's process.
//
// A version manager's `python3` shim (pyenv's is a bash script that runs a dozen more processes to pick
// the version) costs more than the interpreter itself, and the boot scripts under test call python3
// hundreds of times. The runner asks the shim once which interpreter it picks and puts that
// interpreter's directory in PATH just before the shim's, so every test process and script finds the same
// python3 as before, without the shim. The test files inherit the runner's PATH, so the question is asked
// once per run. A real interpreter first on PATH (CI's /usr/bin/python3) leaves PATH as it is.

import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

const MARK = "DSTEST_PYTHON_SHIM_CHECKED";

function isScript(file: string): boolean {
    const fd = openSync(file, "r");
    try {
        const head = Buffer.alloc(2);
        return readSync(fd, head, 0, 2, 0) === 2 && head.toString() === "#!";
    } finally {
        closeSync(fd);
    }
}

if (!process.env[MARK]) {
    process.env[MARK] = "1";
    const dirs = (process.env["PATH"] ?? "").split(delimiter);
    const at = dirs.findIndex((d) => d !== "" && existsSync(join(d, "python3")));
    if (at >= 0 && isScript(join(dirs[at]!, "python3"))) {
        const r = spawnSync(join(dirs[at]!, "python3"), ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
        const exe = r.status === 0 ? r.stdout.trim() : "";
        if (exe.startsWith("/") && !isScript(exe)) {
            dirs.splice(at, 0, dirname(exe));
            process.env["PATH"] = dirs.join(delimiter);
        }
    }
}
