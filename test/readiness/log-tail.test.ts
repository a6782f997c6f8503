// A failing boot stage puts the tail of its journal, secrets redacted, into its status record: what
// the readiness gate and `npm run status` show without SSH. Runs the real prepare-storage.sh in
// the boot sandbox with a journalctl stand-in.

import { strict as assert } from "node:assert";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hooksFor, planOf } from "../boot/fixtures";
import { STANDINS, cleanupNode, makeNode, runScript } from "../boot/sandbox";

test("a failed stage records its redacted journal tail beside the error", async () => {
    const plan = planOf("hosts", "fp8-8xh200", { addresses: ["10.88.0.11"] });
    const node = makeNode(plan, 0, hooksFor(plan, { secrets: { hfToken: null, apiKey: "/etc/dsboot-secrets/api-key" } }), { DSBOOT_NEED_BYTES: String(2 ** 60) });
    const bin = mkdtempSync(join(tmpdir(), "journalctl-"));
    // journalctl -u <unit> -n N as systemd would answer for the stage, with a key in it.
    writeFileSync(join(bin, "journalctl"), `#!/bin/bash\necho "units: $*"\necho "server_args=ServerArgs(api_key='sk-live-123', tp_size=8)"\necho "prepare-storage: disk too small"\n`);
    chmodSync(join(bin, "journalctl"), 0o755);
    try {
        const r = await runScript(node, "prepare-storage.sh", 20_000, [], { PATH: `${bin}:${STANDINS}/bin:${process.env["PATH"]}` });
        assert.notEqual(r.code, 0);
        const rec = JSON.parse(readFileSync(join(node.root, "var/lib/dsboot-status/rank-0.json"), "utf8"));
        assert.equal(rec.state, "failed");
        assert.match(rec.lastError.message, /bytes free; weights and caches need/);
        assert.equal(rec.logTail.stage, "prepare-storage");
        assert.deepEqual(rec.logTail.lines, [
            "units: --no-pager -o cat -n 40 -u dsboot-prepare-storage.service",
            "server_args=ServerArgs(api_key='[redacted]', tp_size=8)",
            "prepare-storage: disk too small",
        ]);
    } finally {
        rmSync(bin, { recursive: true, force: true });
        cleanupNode(node);
    }
});
