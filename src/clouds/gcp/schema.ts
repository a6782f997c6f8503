// The `gcp:` block of the cluster config (deepseek-sglang:cluster.gcp), checked strictly so a typo
// is an error that names the key. The project and region are the stack's `gcp:project` / `gcp:region`.

import { z } from "zod";
import { clusterNetworkFields, positiveInt } from "../../intent/fields";

export const GCP_CAPACITY_TYPES = ["on-demand", "spot", "reservation", "flex-start", "calendar"] as const;

export const gcpCapacitySchema = z.strictObject({
    type: z.enum(GCP_CAPACITY_TYPES).describe("`on-demand`; `spot`; `reservation` (a specific reservation, named); `flex-start` (DWS flex-start, all nodes at once, bounded run time); `calendar` (a DWS calendar-mode future reservation, named)."),
    reservation: z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a reservation name (lowercase letters, digits, hyphens)").optional().describe("Name of the reservation the nodes consume (`reservation`, `calendar`)."),
    maxRunHours: positiveInt.optional().describe("flex-start: hours the nodes may run before GCP deletes them. Default 24."),
});

export const gcpSchema = z.strictObject({
    zone: z.string().optional().describe("Zone of every node (compact placement, RDMA network profile); default: the first catalog zone of `gcp:region` offering the machine type."),
    machineType: z.string().optional().describe("GCE machine type; default: the catalog's preferred one for the GPU."),
    ...clusterNetworkFields,
    capacity: gcpCapacitySchema.optional().describe("How the nodes are bought. Default: on-demand."),
    image: z.string().regex(/^projects\/[a-z][-a-z0-9.:]*\/global\/images\/(family\/)?[a-z][-a-z0-9]*$/, "must be projects/<project>/global/images/<image> or .../images/family/<family>").optional().describe("Boot image (`projects/<p>/global/images/<name>` or `.../images/family/<family>`); default: the machine type's GPU-ready image."),
    bootDiskGiB: positiveInt.optional().describe("Boot disk size; weights go to the local SSD RAID. Default 300."),
    weightsBucket: z.strictObject({ create: z.boolean().optional().describe("Create a mirror bucket the stack owns (kept on destroy); `false` with no `name`: no mirror and no staging VM, every node downloads from Hugging Face."), name: z.string().optional().describe("An existing bucket to mirror the weights in (uniform bucket-level access on: the staging VM's write grant is limited to the revision's prefix by an IAM condition).") }).optional().describe("GCS mirror of the weights, filled by a staging VM before any GPU VM exists. Default: a bucket the stack creates."),
    labels: z.record(z.string(), z.string()).optional().describe("Labels on every resource that takes them."),
});

export type GcpConfig = z.infer<typeof gcpSchema>;
export type GcpCapacity = z.infer<typeof gcpCapacitySchema>;
