// Preloaded by `npm test` (node --require), in every test file's process.
//
// Pulumi's runtime records stack traces the mock runtime never reads, and under tsx every one is
// formatted through the source maps:
// - every promise it makes is wrapped in debuggablePromise, which formats a trace on the spot for the
//   one message that would print it (the leaked-promise report at exit): in the tests that build
//   clusters under the mocks that was a third of their time. Those traces are made empty; a leak still
//   fails the process and names each leaked promise's context, and the tests' own errors keep theirs.
// - every resource registration takes the whole stack (Resource.stackTrace) for its source position,
//   which only the engine's diagnostics show: under the mocks the registrations go without one.
// PULUMI_DEBUG_PROMISE_LEAKS=1 (Pulumi's own switch for that report's detail) or DSTEST_PULUMI_STACKS=1
// keeps both.

import Module from "node:module";

type Loader = (request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean) => unknown;
type Debuggable = { debuggablePromise?: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };
type ResourceModule = { Resource?: { stackTrace?: (skip: number) => unknown[] } };

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
        if (/(^|\/)resource(\.js)?$/.test(request) && /[\\/]@pulumi[\\/]pulumi[\\/]index\.js$/.test(parent?.filename ?? "")) {
            const r = (exports as ResourceModule).Resource;
            if (r?.stackTrace) r.stackTrace = () => [];
        }
        return exports;
    };
}
