// Clouds, the GPU machines each offers, and the facts the planner and the cloud components share.
// Every row cites shared/reference/cloud-facts.md.

import type { GpuId } from "./gpus";

export type CloudId = "aws" | "gcp" | "azure" | "hosts";
export const CLOUD_IDS: CloudId[] = ["aws", "gcp", "azure", "hosts"];

/** `auto`: existing hosts, where NCCL picks InfiniBand/RoCE when present and sockets otherwise. */
export type FabricId = "efa" | "infiniband" | "roce" | "gpudirect-tcpxo" | "tcp" | "auto";

export interface InstanceType {
    cloud: Exclude<CloudId, "hosts">;
    name: string;
    gpu: GpuId;
    gpuCount: number;
    /** GPU memory per GPU in MiB as the instance reports it. */
    gpuMemoryMiB: number;
    vcpus: number;
    /** Local NVMe in GB (0 if none). */
    localNvmeGB: number;
    fabric: FabricId;
    /** EFA interfaces = network cards (AWS only; 0 elsewhere). */
    efaInterfaces: number;
    /** Capacity Blocks for ML accept this type (AWS only). */
    capacityBlock: boolean;
    /** On-demand list price in USD per hour, null when no price could be sourced. */
    pricePerHour: number | null;
    /** Preferred for its GPU when the user does not name a type. */
    preferred: boolean;
}

//  cloud    name                          gpu       n  gpuMemMiB  vcpu nvmeGB  fabric              efa  capBlock price     pref   source
export const INSTANCE_TYPES: InstanceType[] = [
    { cloud: "aws",   name: "p5en.48xlarge",              gpu: "H200",   gpuCount: 8, gpuMemoryMiB: 144_384, vcpus: 192, localNvmeGB: 30_400, fabric: "efa",             efaInterfaces: 16, capacityBlock: true,  pricePerHour: 63.296,   preferred: true  }, // §1.1, §1.2 us-east-1
    { cloud: "aws",   name: "p5e.48xlarge",               gpu: "H200",   gpuCount: 8, gpuMemoryMiB: 144_384, vcpus: 192, localNvmeGB: 30_400, fabric: "efa",             efaInterfaces: 32, capacityBlock: true,  pricePerHour: null,     preferred: false }, // §1.1; no us-east-1 price §1.2
    { cloud: "aws",   name: "p5.48xlarge",                gpu: "H100",   gpuCount: 8, gpuMemoryMiB: 81_920,  vcpus: 192, localNvmeGB: 30_400, fabric: "efa",             efaInterfaces: 32, capacityBlock: true,  pricePerHour: 55.04,    preferred: true  }, // §1.1, §1.2
    { cloud: "aws",   name: "p4de.24xlarge",              gpu: "A100",   gpuCount: 8, gpuMemoryMiB: 81_920,  vcpus: 96,  localNvmeGB: 8_000,  fabric: "efa",             efaInterfaces: 4,  capacityBlock: true,  pricePerHour: 27.44705, preferred: true  }, // §1.1, §1.2
    { cloud: "aws",   name: "g6e.48xlarge",               gpu: "L40S",   gpuCount: 8, gpuMemoryMiB: 45_776,  vcpus: 192, localNvmeGB: 7_600,  fabric: "efa",             efaInterfaces: 4,  capacityBlock: false, pricePerHour: 30.13118, preferred: true  }, // §1.1, §1.2, §1.5 (no Capacity Blocks)
    { cloud: "gcp",   name: "a3-ultragpu-8g",             gpu: "H200",   gpuCount: 8, gpuMemoryMiB: 144_384, vcpus: 224, localNvmeGB: 12_885, fabric: "roce",            efaInterfaces: 0,  capacityBlock: false, pricePerHour: 84.81,    preferred: true  }, // §2.1, §2.2 [2nd]
    { cloud: "gcp",   name: "a3-megagpu-8g",              gpu: "H100",   gpuCount: 8, gpuMemoryMiB: 81_920,  vcpus: 208, localNvmeGB: 6_442,  fabric: "gpudirect-tcpxo", efaInterfaces: 0,  capacityBlock: false, pricePerHour: 93.40,    preferred: true  }, // §2.1, §2.2 [2nd]
    { cloud: "gcp",   name: "a2-ultragpu-8g",             gpu: "A100",   gpuCount: 8, gpuMemoryMiB: 81_920,  vcpus: 96,  localNvmeGB: 3_221,  fabric: "tcp",             efaInterfaces: 0,  capacityBlock: false, pricePerHour: 40.22,    preferred: true  }, // §2.1, §2.2 computed
    { cloud: "azure", name: "Standard_ND96isr_H200_v5",   gpu: "H200",   gpuCount: 8, gpuMemoryMiB: 144_384, vcpus: 96,  localNvmeGB: 30_786, fabric: "infiniband",      efaInterfaces: 0,  capacityBlock: false, pricePerHour: 84.80,    preferred: true  }, // §3.1, §3.2 [2nd, low end]
    { cloud: "azure", name: "Standard_ND96isr_H100_v5",   gpu: "H100",   gpuCount: 8, gpuMemoryMiB: 81_920,  vcpus: 96,  localNvmeGB: 30_786, fabric: "infiniband",      efaInterfaces: 0,  capacityBlock: false, pricePerHour: 98.32,    preferred: true  }, // §3.1, §3.2
    { cloud: "azure", name: "Standard_ND96amsr_A100_v4",  gpu: "A100",   gpuCount: 8, gpuMemoryMiB: 81_920,  vcpus: 96,  localNvmeGB: 6_872,  fabric: "infiniband",      efaInterfaces: 0,  capacityBlock: false, pricePerHour: 32.77,    preferred: true  }, // §3.1, §3.2
    { cloud: "azure", name: "Standard_ND96isr_MI300X_v5", gpu: "MI300X", gpuCount: 8, gpuMemoryMiB: 196_608, vcpus: 96,  localNvmeGB: 30_786, fabric: "infiniband",      efaInterfaces: 0,  capacityBlock: false, pricePerHour: null,     preferred: true  }, // §3.1; price UNVERIFIED §3.2
];

/**
 * Instance types a cloud offers that do not fit any row, kept so a user who names one gets a reason,
 * not "unknown type".
 */
export const UNFIT_INSTANCE_TYPES: Record<string, string> = {
    "p4d.24xlarge": "p4d has A100 40 GB GPUs (40,960 MiB each); the A100 rows need the 80 GB p4de.24xlarge", // cloud-facts §1.1
    "g6e.24xlarge": "g6e.24xlarge has 4 L40S; the L40S row is sized for 8 GPUs per node (g6e.48xlarge)",
    "a2-highgpu-8g": "a2-highgpu-8g has A100 40 GB GPUs; the A100 rows need a2-ultragpu-8g", // cloud-facts §2.1
};

/** Per cloud: how nodes find each other and the private network the library lays out by default. */
export interface CloudFacts {
    id: CloudId;
    /** Default private CIDR of the cluster subnet when the library creates the network. */
    defaultSubnetCidr: string | null;
    /** First host offset usable for fixed private IPs (AWS reserves the first four addresses). */
    firstHostOffset: number;
}

export const CLOUDS: Record<CloudId, CloudFacts> = {
    aws: { id: "aws", defaultSubnetCidr: "10.42.0.0/24", firstHostOffset: 10 }, // AWS reserves .0-.3 and the last address
    gcp: { id: "gcp", defaultSubnetCidr: "10.43.0.0/24", firstHostOffset: 10 }, // GCP reserves .0, .1 and the last two
    azure: { id: "azure", defaultSubnetCidr: "10.44.0.0/24", firstHostOffset: 10 }, // avoid 172.16.0.0/16, reserved by Azure RDMA (§3.3)
    hosts: { id: "hosts", defaultSubnetCidr: null, firstHostOffset: 0 },
};

export function instanceTypesFor(cloud: CloudId, gpu: GpuId): InstanceType[] {
    return INSTANCE_TYPES.filter((t) => t.cloud === cloud && t.gpu === gpu);
}

export function findInstanceType(cloud: CloudId, name: string): InstanceType | undefined {
    return INSTANCE_TYPES.find((t) => t.cloud === cloud && t.name === name);
}

/** GPUs a cloud can provide. `hosts` (machines the user already has) can be any GPU. */
export function gpusOffered(cloud: CloudId, allGpus: GpuId[]): GpuId[] {
    if (cloud === "hosts") return allGpus;
    return [...new Set(INSTANCE_TYPES.filter((t) => t.cloud === cloud).map((t) => t.gpu))];
}

/** Where each cloud's list prices in INSTANCE_TYPES come from: the region and terms they hold for. */
export const PRICE_BASIS: Record<Exclude<CloudId, "hosts">, { region: string; source: string }> = {
    aws: { region: "us-east-1", source: "on-demand Linux, from the AWS Pricing API" }, // cloud-facts §1.2
    gcp: { region: "us-central1", source: "on-demand machine plus GPUs, from SkyPilot's GCP catalog" }, // cloud-facts §2.2
    azure: { region: "eastus", source: "pay-as-you-go, from SkyPilot's Azure catalog" }, // cloud-facts §3.2
};

/**
 * How each cloud spells a region, so a region of another cloud is caught: AWS `us-east-2` (area,
 * direction, digit; AWS General Reference, "Regions"), GCP `us-central1` (area, direction+digit; GCP
 * docs, "Regions and zones"), Azure `eastus` (one lower-case word, maybe a digit; `az account
 * list-locations`).
 */
export const REGION_NAMES: Record<Exclude<CloudId, "hosts">, { pattern: RegExp; example: string; what: string }> = {
    aws: { pattern: /^(us|eu|ap|sa|ca|me|af|il|mx)(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d$/, example: "us-east-2", what: "AWS region" },
    gcp: { pattern: /^[a-z]+-[a-z]+\d{1,2}$/, example: "us-central1", what: "GCP region" },
    azure: { pattern: /^[a-z]+[a-z0-9]*$/, example: "eastus", what: "Azure location" },
};
