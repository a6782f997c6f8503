// shellcheck on the hosts component's scripts as written and as Pulumi sends them (host.sh with its
// generated bundle tail), and on the sandbox's stand-ins.

import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HOSTS_SCRIPTS_DIR, bundleEntries, hostStdin, preflightScript } from "../../src/clouds/hosts/commands";
import { hostsPlan } from "./fixtures";
import { shellcheck as cachedShellcheck } from "../support/shellcheck";

const shellcheck = (cwd: string, files: string[]) => cachedShellcheck(cwd, ["-x", "--severity=style"], files);

test("shellcheck passes the hosts scripts, what Pulumi sends on stdin, and the stand-ins", () => {
    const scripts = readdirSync(HOSTS_SCRIPTS_DIR);
    assert.deepEqual(scripts.sort(), ["host.sh", "preflight.sh"]);
    const src = shellcheck(HOSTS_SCRIPTS_DIR, scripts);
    assert.equal(src.status, 0, src.stdout + src.stderr);

    const dir = mkdtempSync(join(tmpdir(), "dsboot-hosts-sc-"));
    try {
        writeFileSync(join(dir, "bad.sh"), "#!/bin/bash\nrm -rf $1/*\n");
        assert.notEqual(shellcheck(dir, ["bad.sh"]).status, 0, "shellcheck must flag an unquoted expansion");
        const plan = hostsPlan({ gpu: "H20", weights: "fp8", hosts: { addresses: ["10.0.0.1", "10.0.0.2"] } });
        writeFileSync(join(dir, "install-stdin.sh"), hostStdin(bundleEntries(plan, 0, { apiKey: "k", hfToken: "t" })));
        writeFileSync(join(dir, "preflight-stdin.sh"), preflightScript(plan, 0, { addresses: ["10.0.0.1", "10.0.0.2"] }).stdin);
        const sent = shellcheck(dir, ["install-stdin.sh", "preflight-stdin.sh"]);
        assert.equal(sent.status, 0, sent.stdout + sent.stderr);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    const bin = join(__dirname, "standins", "bin");
    const standins = cachedShellcheck(bin, ["-s", "bash"], readdirSync(bin));
    assert.equal(standins.status, 0, standins.stdout + standins.stderr);
});
