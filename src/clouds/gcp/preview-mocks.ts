// Plausible answers for running GcpServingCluster under Pulumi's mock runtime: the offline `plan`
// command, the tests and the bench. Only Pulumi's types are imported, so this registers nothing.

import type * as pulumi from "@pulumi/pulumi";
import { previewError, stableHex } from "../preview-values";
import { GCP_MACHINES } from "./machines";

/** What the offline world looks like; every field has a default. */
export interface GcpPreviewWorld {
    project?: string;
    /** Machine types each zone offers; default: the catalog's zones of each machine. */
    offerings?: Record<string, string[]>;
    /** GPU quota per family (`NVIDIA_H200` ...) in the stack's region; default: enough for 64 GPUs. Null: the API reports none. */
    gpuQuota?: Record<string, number> | null;
    /** Set to false to make the quota lookup fail (the component then warns instead of checking). */
    quotaApi?: boolean;
}

export const PREVIEW_GCP_PROJECT = "preview-project";
const PREVIEW_PROJECT_NUMBER = "123456789012";

/** The world a stack config describes: its project, taken at its word. */
export function gcpPreviewWorld(config: Record<string, unknown>): GcpPreviewWorld {
    return { project: typeof config["gcp:project"] === "string" ? (config["gcp:project"] as string) : undefined };
}

function offeredIn(zone: string, world: GcpPreviewWorld): string[] {
    if (world.offerings?.[zone]) return world.offerings[zone];
    return Object.values(GCP_MACHINES).filter((m) => m.zones.includes(zone)).map((m) => m.name);
}

/** The answer to one invoke, as `mocks.call` must return it. Unknown tokens throw (with `.details`). */
export function gcpPreviewCall(token: string, inputs: Record<string, any>, world: GcpPreviewWorld = {}): Record<string, any> {
    switch (token) {
        case "gcp:compute/getMachineTypes:getMachineTypes": {
            const wanted = /name = "([^"]+)"/.exec(String(inputs.filter ?? ""))?.[1];
            const names = offeredIn(String(inputs.zone), world).filter((n) => wanted === undefined || n === wanted);
            return { zone: inputs.zone, project: inputs.project, filter: inputs.filter, machineTypes: names.map((name) => ({ name, guestCpus: 0, accelerators: [], bundledLocalSsds: [], deprecateds: [], description: name })) };
        }
        case "gcp:cloudquota/getSQuotaInfo:getSQuotaInfo": {
            if (world.quotaApi === false) throw previewError("googleapi: Error 403: Cloud Quotas API has not been used in this project");
            const quota = world.gpuQuota === undefined ? Object.fromEntries(Object.values(GCP_MACHINES).map((m) => [m.quotaFamily, 64])) : world.gpuQuota;
            return {
                ...inputs, id: `${inputs.parent}/${inputs.quotaId}`, dimensions: ["region", "gpu_family"],
                dimensionsInfos: Object.entries(quota ?? {}).map(([family, value]) => ({ applicableLocations: [], details: [{ value: String(value) }], dimensions: { gpu_family: family } })),
            };
        }
        default:
            throw previewError(`the GCP preview mocks do not answer ${token}`);
    }
}

/** The state a created resource reports, computed from its inputs and name (stable across runs). */
export function gcpPreviewState(type: string, name: string, inputs: Record<string, any>, world: GcpPreviewWorld = {}): { id: string; state: Record<string, any> } {
    const project = inputs.project ?? world.project ?? PREVIEW_GCP_PROJECT;
    const hex = stableHex(`${type}/${name}`, 8);
    const selfLink = (kind: string, scope: string, id: string) => `https://www.googleapis.com/compute/v1/projects/${project}/${scope}/${kind}/${id}`;
    const physical = inputs.name ?? `${name}-${hex}`;
    switch (type) {
        case "gcp:compute/network:Network":
            return { id: `projects/${project}/global/networks/${physical}`, state: { ...inputs, name: physical, selfLink: selfLink("networks", "global", physical) } };
        case "gcp:compute/subnetwork:Subnetwork":
            return { id: `projects/${project}/regions/${inputs.region}/subnetworks/${physical}`, state: { ...inputs, name: physical, selfLink: selfLink("subnetworks", `regions/${inputs.region}`, physical) } };
        case "gcp:compute/resourcePolicy:ResourcePolicy":
            return { id: `projects/${project}/regions/${inputs.region}/resourcePolicies/${physical}`, state: { ...inputs, name: physical, selfLink: selfLink("resourcePolicies", `regions/${inputs.region}`, physical) } };
        case "gcp:compute/instance:Instance":
            return { id: `projects/${project}/zones/${inputs.zone}/instances/${physical}`, state: { ...inputs, name: physical, instanceId: String(BigInt(`0x${hex}`)), selfLink: selfLink("instances", `zones/${inputs.zone}`, physical) } };
        case "gcp:serviceaccount/account:Account":
            return { id: `projects/${project}/serviceAccounts/${inputs.accountId}@${project}.iam.gserviceaccount.com`, state: { ...inputs, email: `${inputs.accountId}@${project}.iam.gserviceaccount.com`, member: `serviceAccount:${inputs.accountId}@${project}.iam.gserviceaccount.com` } };
        case "gcp:secretmanager/secret:Secret":
            return { id: `projects/${project}/secrets/${inputs.secretId}`, state: { ...inputs, name: `projects/${PREVIEW_PROJECT_NUMBER}/secrets/${inputs.secretId}` } };
        case "gcp:storage/bucket:Bucket":
            return { id: physical, state: { ...inputs, name: physical, url: `gs://${physical}`, selfLink: `https://www.googleapis.com/storage/v1/b/${physical}` } };
        case "random:index/randomPassword:RandomPassword":
            return { id: name, state: { ...inputs, result: `preview${stableHex(name, (inputs.length ?? 48) - 7)}` } };
        default:
            return { id: `${name}-${hex}`, state: { ...inputs, name: inputs.name ?? physical } };
    }
}

/** Mocks for pulumi.runtime.setMocks; `record` sees every registration (the preview's resource list). */
export function gcpPreviewMocks(world: GcpPreviewWorld = {}, record?: (args: pulumi.runtime.MockResourceArgs) => void): pulumi.runtime.Mocks {
    return {
        newResource(args) {
            record?.(args);
            if (args.custom === false) return { id: undefined, state: {} };
            return gcpPreviewState(args.type, args.name, args.inputs, world);
        },
        call: (args) => gcpPreviewCall(args.token, args.inputs, world),
    };
}


