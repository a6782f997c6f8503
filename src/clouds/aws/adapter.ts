// AWS behind the cloud seam: the pure half (schema, checks, placement, prices, preview mocks) and the
// Pulumi half (AwsServingCluster), loaded on first use.

import type { CloudAdapter, ServingClusterFactory } from "../adapter";
import { listCostPerHour } from "../catalog-choice";
import { DEFAULT_AWS_VPC_CIDR, awsNodeAddresses, checkAwsConfig, clusterSubnetCidr, resolveAwsInstanceType } from "./checks";
import { PREVIEW_ACCOUNT_ID, PREVIEW_AMI_ID, PREVIEW_STAGING_AMI_ID, awsPreviewMocks, awsPreviewWorld } from "./preview-mocks";
import { awsSchema, type AwsConfig } from "./schema";
import { mirrorWanted } from "../mirror-choice";

export const AWS_REGION_KEY = "aws:region";
/** The DLAMI mounts the instance-store NVMe here itself (cloud-facts §1.4). */
const DLAMI_NVME_MOUNT = "/opt/dlami/nvme";

/**
 * NAT gateway data processing, USD per GB (Amazon VPC pricing, us-east-1; docs/sources.md "Weights
 * transfer"). Hugging Face downloads cross the NAT gateway; S3 in the same region through the VPC's
 * gateway endpoint carries no transfer or NAT charge.
 */
export const NAT_USD_PER_GB = 0.045;

/** What staging the weights costs in transfer on the first boot and on every later one. */
export function stagingTransferNote(aws: AwsConfig, ctx: { nodes: number; checkpointBytes: number; convertedBytes: number | null }): string {
    const gb = ctx.checkpointBytes / 1e9;
    const usd = (n: number): string => `$${(n * gb * NAT_USD_PER_GB).toFixed(2)}`;
    const mirrored = mirrorWanted(aws.weightsBucket);
    const owned = aws.weightsBucket?.name === undefined || aws.weightsBucket?.create === true;
    const converted = ctx.convertedBytes === null ? "" : `${(ctx.convertedBytes / 1e9).toFixed(0)} GB`;
    if (!mirrored) {
        const conv = converted ? `; rank 0 converts to BF16 and publishes ${converted} for the other ranks under the state bucket` : "";
        return `weights transfer: no mirror (weightsBucket.create: false), so every rank downloads ${gb.toFixed(0)} GB from Hugging Face through the NAT gateway on every boot: about ${usd(ctx.nodes)} in NAT processing per boot of the cluster (${usd(1)} per node, at $${NAT_USD_PER_GB}/GB)${conv}`;
    }
    const conv = converted ? `; the staging host converts to BF16 once and stores ${converted} in the mirror beside the checkpoint` : "";
    const first = owned
        ? `first staging: the staging host downloads ${gb.toFixed(0)} GB from Hugging Face through the NAT gateway (about ${usd(1)} in NAT processing at $${NAT_USD_PER_GB}/GB) and fills the stack's mirror before any GPU node exists; all ${ctx.nodes} rank(s) read it through the S3 gateway endpoint (no transfer charge)`
        : `first staging: the staging host fills what your mirror ${aws.weightsBucket!.name} lacks from Hugging Face through the NAT gateway; every rank reads the mirror through the S3 gateway endpoint`;
    return `weights transfer: ${first}${conv}; repeat boots and replaced nodes read the mirror only: $0 in NAT processing. ` +
        (owned ? "The mirror bucket is kept on `pulumi destroy` (retainOnDelete): delete it yourself when no stack needs that revision." : "");
}

/**
 * The staging host: network-heavy, no GPU. c5n.18xlarge moved 8,003 MB/s EC2 -> S3 in a public
 * benchmark (docs/sources.md, "Weights transfer"), so Hugging Face, not the host, bounds the copy.
 * No public price recorded yet.
 */
export const AWS_STAGING_HOST = { type: "c5n.18xlarge", pricePerHour: null };

export const awsAdapter: CloudAdapter<typeof awsSchema> = {
    id: "aws",
    schema: awsSchema,
    stagingHost: (placement) => (mirrorWanted((placement.settings as AwsConfig | undefined)?.weightsBucket) ? AWS_STAGING_HOST : null),
    stackKeys: { region: AWS_REGION_KEY, others: [] },
    instanceType: (aws, gpu) => resolveAwsInstanceType(aws ?? {}, gpu) ?? null,
    check(block, ctx) {
        const region = ctx.settings[AWS_REGION_KEY] ?? null;
        return [
            ...checkAwsConfig({ aws: block }, { gpu: ctx.gpu, nodes: ctx.nodes, region }),
        ];
    },
    place(block, ctx) {
        const aws: AwsConfig = block ?? {};
        return {
            placement: {
                instanceType: resolveAwsInstanceType(aws, ctx.gpu)!.name,
                // Without a zone or subnet, the component takes the first zone offering the type (an invoke).
                zone: aws.availabilityZone ?? null,
                network: {
                    id: aws.vpcId ?? null,
                    subnetId: aws.subnetId ?? null,
                    subnetCidr: clusterSubnetCidr(aws),
                    cidr: aws.vpcCidr ?? (aws.subnetId ? null : DEFAULT_AWS_VPC_CIDR),
                },
                allowedCidrs: aws.allowedCidrs ?? [],
                capacity: { type: aws.capacity?.type ?? "on-demand", reservation: aws.capacity?.reservationId ?? null },
                settings: aws,
            },
            addresses: awsNodeAddresses({ aws }, ctx.nodes),
        };
    },
    costPerHour: (placement, nodes) => listCostPerHour("aws", placement, nodes),
    planNotes: (placement, ctx) => [stagingTransferNote(placement.settings as AwsConfig, ctx)],
    boot: { ephemeralMounts: [DLAMI_NVME_MOUNT], userDataLimitBytes: 16 * 1024 }, // EC2 user data: 16 KB before base64.
    preview: {
        mocks: (config, record) => awsPreviewMocks(awsPreviewWorld(config), (args) => record({ type: args.type, name: args.name, inputs: args.inputs })),
        userData(resource) {
            // Each rank's launch template carries its user data (base64, gzipped when large).
            const rank = /-node-(\d+)$/.exec(resource.name);
            const raw = resource.inputs.userData;
            return resource.type === "aws:ec2/launchTemplate:LaunchTemplate" && rank && typeof raw === "string" ? { rank: Number(rank[1]), raw } : null;
        },
        placeholders: {
            [PREVIEW_AMI_ID]: "AMI id: pulumi up reads the DLAMI's current id from its public SSM parameter",
            [PREVIEW_STAGING_AMI_ID]: "AMI id of the staging host: pulumi up reads Amazon Linux 2023's current id from its public SSM parameter",
            [PREVIEW_ACCOUNT_ID]: "AWS account id: pulumi up uses the caller's",
        },
    },
    statusStore: (region) => (require("./status-store") as typeof import("./status-store")).s3StatusStore({ region: region! }),
    component: () => (require("./cluster") as typeof import("./cluster")).awsServingCluster as ServingClusterFactory,
};
