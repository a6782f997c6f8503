// The test suite's own layout: every group test/support/groups.ts names has its entry file, and every
// entry file is a group, so no test file is left out of `npm test`.

import { strict as assert } from "node:assert";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { GROUPS, groupOf, testFiles } from "./support/groups";

test("every group has an entry file in test/groups, and every entry file is a group", () => {
    const entries = readdirSync(join(__dirname, "groups")).map((f) => f.replace(/\.ts$/, "")).sort();
    assert.deepEqual(entries, Object.keys(GROUPS).sort());
});

test("every test file runs in a group, and every group's patterns match a file", () => {
    const files = testFiles();
    assert.ok(files.length > 40, `only ${files.length} test files found`);
    assert.ok(files.includes("suite.test.ts"));
    for (const [name, patterns] of Object.entries(GROUPS)) {
        if (name !== "main") assert.ok(files.some((f) => groupOf(f) === name), `group ${name} has no files: ${patterns.join(", ")}`);
    }
    assert.equal(groupOf("gcp/boot-sandbox.test.ts"), "boot-faults");
    assert.equal(groupOf("gcp/cluster.test.ts"), "clouds");
    assert.equal(groupOf("acceptance/smoke.test.ts"), "main");
});
