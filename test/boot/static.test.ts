// The real validators on the real files: shellcheck on every script (as written and as shipped),
// Python compile of the helper, systemd-analyze verify of the units. Each validator first proves
// it can fail on a known-bad input.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SCRIPTS_DIR, UNITS_DIR, renderUserData } from "../../src/boot/render";
import { hooksFor, planOf } from "./fixtures";
import { commandExists, writeUserDataFiles } from "./sandbox";
import { shellcheck as cachedShellcheck } from "../support/shellcheck";
import { needs } from "../support/requirements";

const shellScripts = readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh"));

function shellcheck(dir: string, files: string[]) {
    return cachedShellcheck(dir, ["-x", "--severity=style"], files);
}

test("shellcheck passes every script in the repo and as shipped in user data", needs(!commandExists("shellcheck") && "shellcheck is not installed"), () => {
    const bad = mkdtempSync(join(tmpdir(), "dsboot-sc-"));
    try {
        writeFileSync(join(bad, "bad.sh"), "#!/bin/bash\nrm -rf $1/*\n");
        assert.notEqual(shellcheck(bad, ["bad.sh"]).status, 0, "shellcheck must flag an unquoted expansion");
    } finally {
        rmSync(bad, { recursive: true, force: true });
    }
    assert.ok(shellScripts.length >= 8, `found ${shellScripts.join(", ")}`);
    const src = shellcheck(SCRIPTS_DIR, shellScripts);
    assert.equal(src.status, 0, src.stdout + src.stderr);

    // The shipped copies have comments stripped; check them too (directives included in the source
    // are gone there, so only the checks that matter without them are expected to pass).
    const root = mkdtempSync(join(tmpdir(), "dsboot-ship-"));
    try {
        const plan = planOf("aws", "fp8-2x8xh100");
        writeUserDataFiles(renderUserData(plan, 0, hooksFor(plan)), root);
        const bin = join(root, "opt/dsboot/bin");
        const shipped = readdirSync(bin).filter((f) => f.endsWith(".sh"));
        // stage-weights.sh runs on the staging host only (its own user data), never on a GPU node.
        assert.deepEqual(shipped.sort(), shellScripts.filter((s) => s !== "stage-weights.sh").sort());
        const r = cachedShellcheck(bin, ["-x", "--severity=warning", "-e", "SC1091"], shipped);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
});

test("the Python helper and the stand-ins compile", () => {
    const standins = join(__dirname, "standins");
    const files = [...["dsboot-tool.py", "fp8-to-bf16.py", "gpu-preflight.py", "nccl-transport.py"].map((f) => join(SCRIPTS_DIR, f)), ...["docker", "aws", "s5cmd", "nvidia-smi"].map((f) => join(standins, "bin", f)), ...["launch_server.py", "compile_deep_gemm.py"].map((f) => join(standins, "py/sglang", f))];
    const r = spawnSync("python3", ["-c", "import ast,sys\nfor f in sys.argv[1:]: ast.parse(open(f).read(), f)", ...files], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
});

/** A temp root with the units, executable stand-ins at their ExecStart paths, and the distro's units. */
function unitRoot(units: string[]): string {
    const root = mkdtempSync(join(tmpdir(), "dsboot-units-"));
    const sys = join(root, "etc/systemd/system");
    mkdirSync(sys, { recursive: true });
    for (const u of units) cpSync(join(UNITS_DIR, u), join(sys, u));
    // The precompile's drop-in for releases without dummy weights, where cloud-init writes it.
    mkdirSync(join(sys, "dsboot-precompile.service.d"), { recursive: true });
    cpSync(join(UNITS_DIR, "dsboot-precompile-after-weights.conf"), join(sys, "dsboot-precompile.service.d/after-weights.conf"));
    // verify resolves dependencies (sysinit.target, docker.service) and checks ExecStart binaries
    // inside --root: give it the machine's systemd units, a docker.service like the GPU images have,
    // and executable placeholders where the real scripts will be written by cloud-init.
    cpSync("/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, dereference: false });
    writeFileSync(join(root, "usr/lib/systemd/system/docker.service"), "[Unit]\nDescription=docker (present on the GPU images)\n[Service]\nExecStart=/usr/bin/dockerd\n");
    for (const exe of ["usr/bin/docker", "usr/bin/dockerd", "bin/bash", ...["prepare-storage", "pull-image", "fetch-weights", "precompile", "sglang", "readiness", "beacon", "stage-weights"].map((s) => `opt/dsboot/bin/${s}.sh`)]) {
        mkdirSync(join(root, exe, ".."), { recursive: true });
        writeFileSync(join(root, exe), "#!/bin/sh\n");
        chmodSync(join(root, exe), 0o755);
    }
    return root;
}

function verify(root: string, units: string[]) {
    return spawnSync("systemd-analyze", ["verify", `--root=${root}`, ...units.map((u) => join(root, "etc/systemd/system", u))], { encoding: "utf8" });
}

test("systemd-analyze verify accepts the units", needs(!commandExists("systemd-analyze") && "systemd-analyze is not installed"), () => {
    const units = readdirSync(UNITS_DIR).filter((u) => !u.endsWith(".conf"));
    assert.ok(units.includes("dsboot.target") && units.length >= 7);
    const root = unitRoot(units);
    try {
        const r = verify(root, units);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.equal(r.stderr.trim(), "", r.stderr);
        // Every stage has a time bound: oneshots to finish, services to stop.
        for (const u of units.filter((x) => x.endsWith(".service"))) {
            const text = readFileSync(join(UNITS_DIR, u), "utf8");
            assert.match(text, /Type=oneshot/.test(text) ? /^TimeoutStartSec=\S+/m : /^TimeoutStopSec=\S+/m, u);
        }
        // Must be able to fail: a unit whose ExecStart does not exist is rejected.
        writeFileSync(join(root, "etc/systemd/system/dsboot-broken.service"), "[Unit]\nDescription=x\n[Service]\nType=oneshot\nExecStart=/opt/dsboot/bin/missing.sh\n");
        assert.notEqual(verify(root, ["dsboot-broken.service"]).status, 0);
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
});
