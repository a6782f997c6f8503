// Runs the real program (src/program.ts) under Pulumi's mock runtime: no cloud account, no CLI.
// Every resource registration is recorded as what `pulumi up` would create.

import * as zlib from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../clouds/adapter";
import { cloudAdapter } from "../clouds/registry";
import type { StackConfig } from "../config";
import type { ServingPlan } from "../plan/index";
// The program only defines a function; importing it registers nothing until it is called under the mocks.
import program from "../program";

export type { RecordedResource } from "../clouds/adapter";

export interface Preview {
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
    /** Values the mock runtime made up (ids, the account, image ids), each with what it stands for. */
    placeholders: Record<string, string>;
}

const PROJECT = "deepseek-sglang";

/** Config as Pulumi's runtime holds it: strings, structured values as JSON, secrets as placeholders. */
function runtimeConfig(config: StackConfig): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(config.values)) {
        if (config.secretKeys.has(key)) out[key] = "(secret from the stack file; not decrypted offline)";
        else out[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return out;
}

async function settle(): Promise<void> {
    // Children whose inputs wait on other Outputs register late; drain the RPC queue (internal API,
    // present in @pulumi/pulumi 3.248.0's JS though not its typings).
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (waitForRPCs) await waitForRPCs();
    await new Promise((r) => setTimeout(r, 0));
}

/**
 * Pulumi's runtime records a stack trace for every promise and resource it makes (for leak reports and
 * source positions, which the mock runtime never reads); formatted through the source maps tsx turns on,
 * they were half of a preview's time. A preview runs with stack traces off; one that fails runs again
 * with them on, so the error it throws still says where it came from.
 */
export async function previewStack(config: StackConfig, plan: ServingPlan): Promise<Preview> {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return await previewOnce(config, plan);
    } catch {
        // run again below, with stack traces
    } finally {
        Error.stackTraceLimit = limit;
    }
    return previewOnce(config, plan);
}

async function previewOnce(config: StackConfig, plan: ServingPlan): Promise<Preview> {
    const adapter = cloudAdapter(plan.cloud);
    if (!adapter.component || !adapter.preview) return { resources: [], outputs: {}, placeholders: {} };
    const resources: RecordedResource[] = [];
    const placeholders: Record<string, string> = { ...adapter.preview.placeholders };
    await pulumi.runtime.setMocks(
        withInventedIds(adapter.preview.mocks(config.values, (r) => resources.push(r)), placeholders),
        PROJECT,
        config.stack ?? "preview",
        false,
    );
    const standIns = Object.entries(adapter.preview.config ?? {}).filter(([k]) => !(k in config.values));
    pulumi.runtime.setAllConfig({ ...Object.fromEntries(standIns), ...runtimeConfig(config) }, [...config.secretKeys, ...standIns.map(([k]) => k)]);
    const raw = await program();
    await settle();
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) outputs[k] = await resolve(v);
    await settle();
    return { resources, outputs, placeholders };
}

/** Every id a mock assigns (one the inputs did not name) is a stand-in for the one the cloud will assign. */
function withInventedIds(mocks: pulumi.runtime.Mocks, placeholders: Record<string, string>): pulumi.runtime.Mocks {
    return {
        call: (args) => mocks.call(args),
        newResource: async (args) => {
            const result = await mocks.newResource(args);
            if (args.custom !== false && typeof result.id === "string" && result.id !== args.inputs.id && result.id !== args.name && result.id !== "none") {
                placeholders[result.id] = `${args.type} id of ${args.name}: assigned at pulumi up`;
            }
            return result;
        },
    };
}

async function resolve(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        return new Promise((res) => (value as pulumi.Output<unknown>).apply((v) => { res(v); return v; }));
    }
    return value;
}

/** User data as cloud-init reads it: base64 and gzip undone. */
export function decodeUserData(value: string): string {
    const looksBase64 = /^[A-Za-z0-9+/=\s]+$/.test(value) && !value.startsWith("#");
    let bytes = looksBase64 ? Buffer.from(value, "base64") : Buffer.from(value, "utf8");
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
    return bytes.toString("utf8");
}
