// Plausible answers for running HostsServingCluster under Pulumi's mock runtime (the offline `plan`
// command and the tests). Only Pulumi's types: importing this registers nothing.

import type * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../adapter";

/** The key the offline preview stands in for; a stack's real one is only ever a Pulumi secret. */
export const PREVIEW_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\n(offline preview: no key)\n-----END OPENSSH PRIVATE KEY-----\n";

/** The API key the offline preview shows in place of the generated one. */
export const PREVIEW_API_KEY = "preview-api-key-not-a-real-secret-000000000000";

/** What each resource would report: a command's stdout as its script prints it, a password's result. */
export function hostsPreviewState(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { id: `${name}-id`, state: { ...inputs, result: PREVIEW_API_KEY } };
        case "command:remote:Command":
            return { id: `${name}-id`, state: { ...inputs, stdout: /preflight/.test(name) ? "preflight ok (offline preview)" : "installed (offline preview)", stderr: "" } };
        default:
            return { id: `${name}-id`, state: inputs };
    }
}

export function hostsPreviewMocks(record: (r: RecordedResource) => void): pulumi.runtime.Mocks {
    return {
        newResource(args) {
            record({ type: args.type, name: args.name, inputs: args.inputs });
            if (args.custom === false) return { id: undefined, state: {} };
            return hostsPreviewState(args.type, args.name, args.inputs);
        },
        call(args) {
            throw new Error(`the hosts component calls no invoke; got ${args.token}`);
        },
    };
}
