// GCP behind the cloud seam: the pure half (schema, checks, placement, prices, NCCL env of the
// machine's fabric, preview mocks) and the Pulumi half (GcpServingCluster), loaded on first use.

import type { CloudAdapter, ServingClusterFactory } from "../adapter";
import { chooseInstanceType, listCostPerHour } from "../catalog-choice";
import { GCP_PROJECT_KEY, GCP_REGION_KEY, checkGcpConfig, gcpMachineFor, gcpPlacement, type GcpCheckContext } from "./checks";
import { GCE_METADATA_VALUE_LIMIT, GCP_MACHINES, GCP_STAGING_HOST } from "./machines";
import { gcpPreviewMocks, gcpPreviewWorld } from "./preview-mocks";
import { gcpSchema, type GcpConfig } from "./schema";
import { mirrorWanted } from "../mirror-choice";

const contextOf = (ctx: { gpu: GcpCheckContext["gpu"]; nodes: number; settings: Readonly<Record<string, string>> }): GcpCheckContext => ({
    gpu: ctx.gpu, nodes: ctx.nodes, project: ctx.settings[GCP_PROJECT_KEY] ?? null, region: ctx.settings[GCP_REGION_KEY] ?? null,
});

export const gcpAdapter: CloudAdapter<typeof gcpSchema> = {
    id: "gcp",
    schema: gcpSchema,
    stackKeys: { region: GCP_REGION_KEY, others: [GCP_PROJECT_KEY] },
    instanceType: (block, gpu) => (gcpMachineFor(block ?? {}, gpu) ? chooseInstanceType("gcp", block?.machineType, gpu) : null),
    check: (block, ctx) => checkGcpConfig(block ?? {}, contextOf(ctx)),
    place: (block, ctx) => gcpPlacement(block ?? {}, contextOf(ctx)),
    nodeEnv: (_block, placement) => ({ ...(placement.instanceType ? GCP_MACHINES[placement.instanceType]?.ncclEnv : {}) }),
    costPerHour: (placement, nodes) => listCostPerHour("gcp", placement, nodes),
    // The mirror, and so the staging VM, is on unless `weightsBucket: { create: false }` without a name.
    stagingHost: (placement) => (mirrorWanted((placement.settings as GcpConfig | undefined)?.weightsBucket) ? GCP_STAGING_HOST : null),
    // Local SSD comes blank; the boot pipeline stripes it into RAID0 itself.
    boot: { ephemeralMounts: [], userDataLimitBytes: GCE_METADATA_VALUE_LIMIT },
    preview: {
        mocks: (config, record) => gcpPreviewMocks(gcpPreviewWorld(config), (args) => record({ type: args.type, name: args.name, inputs: args.inputs })),
        userData(resource) {
            const rank = /-node-(\d+)$/.exec(resource.name);
            const raw = (resource.inputs.metadata as Record<string, unknown> | undefined)?.["user-data"];
            return resource.type === "gcp:compute/instance:Instance" && rank && typeof raw === "string" ? { rank: Number(rank[1]), raw } : null;
        },
    },
    // Cloud Storage's API answers for every location; the bucket, not the region, names where records are.
    statusStore: () => (require("./status-store") as typeof import("./status-store")).gcsStatusStore(),
    component: () => (require("./cluster") as typeof import("./cluster")).gcpServingCluster as ServingClusterFactory,
};
