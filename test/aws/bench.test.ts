// The bench helper runs the largest AWS stack (int8-32xl40s) under mocks and reports its figures.

import { strict as assert } from "node:assert";
import { it } from "node:test";
import { measureAwsMockPreview } from "../../src/clouds/aws/bench.js";
import { awsStackFor } from "./fixtures.js";

it("times the mock preview of int8-32xl40s and counts its 39 resources", async () => {
    const s = awsStackFor("int8-32xl40s");
    const timing = await measureAwsMockPreview(s.plan, s.aws, 3);
    assert.equal(timing.runsMs.length, 3);
    assert.equal(timing.resources, 39);
    assert.ok(timing.medianMs > 0 && timing.medianMs < 30_000, `median ${timing.medianMs} ms`);
    console.log(`int8-32xl40s mock preview: median ${timing.medianMs.toFixed(0)} ms over ${timing.runsMs.map((t) => t.toFixed(0)).join(", ")} ms; ${timing.resources} resources`);
});
