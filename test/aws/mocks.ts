// Mock harness for the AWS component: records every registration and invoke, answers invokes with
// the same preview mocks the offline `plan` command uses, and drains late registrations.

import * as pulumi from "@pulumi/pulumi";
import { awsPreviewCall, awsPreviewState, type AwsPreviewWorld } from "../../src/clouds/aws/preview-mocks";

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, any>;
    custom: boolean;
}

export interface Harness {
    resources: Recorded[];
    calls: { token: string; inputs: Record<string, any> }[];
}

/** setMocks before the component module is imported (pulumi-style.md §3.2 pitfall 1). */
export async function installAwsMocks(world: AwsPreviewWorld = {}): Promise<Harness> {
    const harness: Harness = { resources: [], calls: [] };
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                harness.resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom !== false });
                if (args.custom === false) return { id: undefined, state: {} };
                return awsPreviewState(args.type, args.name, args.inputs, world);
            },
            call(args) {
                harness.calls.push({ token: args.token, inputs: args.inputs });
                return awsPreviewCall(args.token, args.inputs, world);
            },
        },
        "deepseek-sglang",
        "unit",
        false,
    );
    return harness;
}

/** Wait until every registration, including children that waited on Outputs, reached the mocks. */
export async function settle(): Promise<void> {
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    for (let i = 0; i < 3; i++) {
        if (waitForRPCs) await waitForRPCs();
        await new Promise((r) => setImmediate(r));
    }
}

/** An Output's value; rejects if it rejects, and does not hang forever on an unknown. */
export function unwrap<T>(output: pulumi.Output<T>, timeoutMs = 10_000): Promise<T> {
    const promise = (output as unknown as { promise(): Promise<T> }).promise();
    return Promise.race([
        promise,
        new Promise<T>((_, reject) => setTimeout(() => reject(new Error("output did not resolve")), timeoutMs).unref()),
    ]);
}

export function ofType(resources: Recorded[], type: string, prefix?: string): Recorded[] {
    return resources.filter((r) => r.type === type && (prefix === undefined || r.name.startsWith(`${prefix}-`) || r.name === prefix));
}

/** The resources one component created: its children are all named `<component>-...`. */
export function ownedBy(resources: Recorded[], name: string): Recorded[] {
    return resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

export function decodeLaunchTemplateUserData(userData: string): string {
    const bytes = Buffer.from(userData, "base64");
    // gzip magic 1f 8b: the component compresses documents over 16 KB.
    return bytes[0] === 0x1f && bytes[1] === 0x8b ? require("node:zlib").gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
}
