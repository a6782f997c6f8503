// Tests that need something of the machine (a validator, root, network namespaces, python3) skip
// where it is missing, so a workstation can run the rest; CI runs `.ci/run`, which installs all of
// it and sets DSTEST_STRICT=1, and there a missing requirement fails the test with its reason
// instead: a skip in CI would let the checks it stands for silently stop running.

import type { TestContext } from "node:test";

export const STRICT = process.env["DSTEST_STRICT"] === "1";

/** node:test options for a test that needs what `missing` names (false: nothing is missing). */
export function needs(missing: string | false): { skip: string | false } {
    if (!missing || !STRICT) return { skip: missing };
    throw new Error(`${missing}: required here (DSTEST_STRICT=1, as .ci/run sets it)`);
}

/** Inside a test that found a requirement missing: skip it, or fail it where every test must run. */
export function skipOrFail(t: TestContext, missing: string): void {
    if (STRICT) throw new Error(`${missing}: required here (DSTEST_STRICT=1, as .ci/run sets it)`);
    t.skip(missing);
}
