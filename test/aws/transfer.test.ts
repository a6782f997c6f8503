// What the plan says staging the weights costs in transfer (AWS NAT processing), mirror on and off.

import { strict as assert } from "node:assert";
import { test } from "node:test";
import { NAT_USD_PER_GB, stagingTransferNote } from "../../src/clouds/aws/adapter";
import { planOf } from "../boot/fixtures";

test("the default mirror: Hugging Face once through NAT on the first boot, $0 on repeat boots, retention stated", () => {
    const note = stagingTransferNote({}, { nodes: 4, checkpointBytes: 690e9, convertedBytes: 1340e9 });
    assert.match(note, /first staging: the staging host downloads 690 GB from Hugging Face through the NAT gateway \(about \$31\.05/);
    assert.match(note, /all 4 rank\(s\) read it through the S3 gateway endpoint/);
    assert.match(note, /the staging host converts to BF16 once and stores 1340 GB in the mirror/);
    assert.match(note, /repeat boots and replaced nodes read the mirror only: \$0/);
    assert.match(note, /kept on `pulumi destroy`/);
    assert.equal(NAT_USD_PER_GB, 0.045);
});

test("without a mirror every rank pays NAT on every boot", () => {
    const note = stagingTransferNote({ weightsBucket: { create: false } }, { nodes: 2, checkpointBytes: 690e9, convertedBytes: null });
    assert.match(note, /every rank downloads 690 GB .* about \$62\.10 in NAT processing per boot of the cluster \(\$31\.05 per node/);
});

test("plan shows the note in its warnings channel for AWS stacks", () => {
    const plan = planOf("aws", "bf16-4x8xa100");
    const notes = plan.warnings.map((w) => w.message).filter((m) => m.startsWith("weights transfer:"));
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /the staging host converts to BF16 once/);
});
