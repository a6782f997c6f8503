// Preloaded by `npm test` (node --require), in every test file's process.
//
// Pulumi's runtime wraps every promise it makes in debuggablePromise, which formats a stack trace on the
// spot (`new Error().stack`) for the one message that would print it: the leaked-promise report at exit.
// Under tsx every such trace goes through the source maps, and in the tests that build clusters under
// Pulumi's mocks it was a third of their time. This makes those traces empty, once Pulumi loads its
// runtime/debuggable.js, and changes nothing else: a leak still fails the process and names each
// leaked promise's context, and the tests' own errors keep their stacks. PULUMI_DEBUG_PROMISE_LEAKS=1
// (Pulumi's own switch for that report's detail) or DSTEST_PULUMI_STACKS=1 keeps the traces.

import Module from "node:module";

type Loader = (request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean) => unknown;
type Debuggable = { debuggablePromise?: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };

const M = Module as unknown as { _load: Loader };

if (!process.env["PULUMI_DEBUG_PROMISE_LEAKS"] && !process.env["DSTEST_PULUMI_STACKS"]) {
    const load = M._load;
    M._load = function (request, parent, isMain) {
        const exports = load.call(this, request, parent, isMain);
        if (/(^|\/)debuggable(\.js)?$/.test(request) && /[\\/]@pulumi[\\/]pulumi[\\/]/.test(parent?.filename ?? "")) {
            const d = exports as Debuggable;
            const original = d.debuggablePromise;
            if (original && !(original as { stackless?: true }).stackless) {
                const stackless = function (p: Promise<unknown>, ctx: unknown) {
                    const limit = Error.stackTraceLimit;
                    Error.stackTraceLimit = 0;
                    try {
                        return original(p, ctx);
                    } finally {
                        Error.stackTraceLimit = limit;
                    }
                };
                d.debuggablePromise = Object.assign(stackless, { stackless: true as const });
            }
        }
        return exports;
    };
}
