// docs/config-reference.md is generated from the schema the planner checks with; it may not drift.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { test } from "node:test";
import { REFERENCE_FILE, referenceRows, renderReference } from "../../tools/config-reference";

test("docs/config-reference.md is what `npm run docs:config` writes from the current schema", () => {
    assert.equal(fs.readFileSync(REFERENCE_FILE, "utf8"), renderReference(), "stale: run `npm run docs:config` and commit docs/config-reference.md");
});

test("every config key is documented, with its cloud", () => {
    const rows = referenceRows();
    assert.ok(rows.length > 40);
    for (const r of rows) {
        assert.notEqual(r.description, "", `${r.path} has no description: add .describe() to its schema`);
        assert.match(r.cloud, /^(all|aws only|gcp only|azure only|hosts only)$/);
    }
    for (const key of ["cloud", "gpu", "weights", "sglang.extraArgs", "aws.allowedCidrs", "hosts.addresses"]) assert.ok(rows.some((r) => r.path === key), `${key} missing`);
});
