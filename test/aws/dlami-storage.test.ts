// The DLAMI's own instance-store setup and our storage stage agree: the unit runs after
// dlami-nvme.service, and when /opt/dlami/nvme is mounted the stage bind-mounts it instead of
// touching the disks the DLAMI's LVM volume already holds.

import { strict as assert } from "node:assert";
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { UNITS_DIR, toolFile } from "../../src/boot/render";
import { hooksFor, planOf } from "../boot/fixtures";
import { STANDINS, cleanupNode, makeNode, runScript, statusRecord, type SandboxNode } from "../boot/sandbox";

const nodes: SandboxNode[] = [];
after(() => nodes.forEach(cleanupNode));

test("the storage unit is ordered after the DLAMI's dlami-nvme.service", () => {
    const unit = readFileSync(join(UNITS_DIR, "dsboot-prepare-storage.service"), "utf8");
    assert.match(unit, /^After=.*\bdlami-nvme\.service\b/m);
});

test("with /opt/dlami/nvme mounted, the stage bind-mounts it and never builds a RAID over the DLAMI's disks", async () => {
    const plan = planOf("aws", "fp8-8xh200");
    const hooks = hooksFor(plan);
    const node = makeNode(plan, 0, hooks, { DSBOOT_NEED_BYTES: "1024" });
    nodes.push(node);
    // The preflight tool, where the AWS component uploads it (the stand-in S3 is a directory).
    const { content, sha256 } = toolFile("gpu-preflight.py");
    const key = join(node.state, "s3", hooks.toolsPrefix!.slice("s3://".length), sha256, "gpu-preflight.py");
    mkdirSync(dirname(key), { recursive: true });
    writeFileSync(key, content);
    const bin = join(node.root, "storage-bin");
    mkdirSync(bin, { recursive: true });
    const rec = (name: string, body: string) => writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >>"$STANDIN_STATE/storage.log"\n${body}\n`, { mode: 0o755 });
    // Two instance-store disks, each already an LVM member of the DLAMI's volume (lsblk shows a child).
    rec("lsblk", `case "$*" in *NAME,TYPE,MODEL*) printf '%s\\n' "/dev/nvme1n1 disk Amazon EC2 NVMe Instance Storage" "/dev/nvme2n1 disk Amazon EC2 NVMe Instance Storage" ;; *-nro*) printf '%s\\n' "\${@: -1}" "vg.01-lv_ephemeral" ;; *) echo "LVM2_member" ;; esac`);
    rec("mountpoint", `case "\${@: -1}" in */opt/dlami/nvme) exit 0 ;; *) [ -f "$STANDIN_STATE/mounted" ] ;; esac`);
    rec("mdadm", "exit 0");
    rec("mkfs.xfs", "exit 0");
    rec("mount", `touch "$STANDIN_STATE/mounted"`);
    for (const f of readdirSync(bin)) chmodSync(join(bin, f), 0o755);
    const r = await runScript(node, "prepare-storage.sh", 20_000, [], { PATH: `${bin}:${STANDINS}/bin:${process.env.PATH}` });
    assert.equal(r.code, 0, r.stderr);
    const log = readFileSync(join(node.state, "storage.log"), "utf8");
    assert.match(log, new RegExp(`mount --bind ${join(node.root, "opt/dlami/nvme/deepseek")} ${join(node.root, "mnt/deepseek")}`));
    assert.doesNotMatch(log, /mdadm --create|mkfs/);
    assert.equal(statusRecord(node).stages["prepare-storage"].state, "complete");
});
