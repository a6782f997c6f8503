// Plan-time checks of the `gcp:` block and the stack's GCP settings, and the placement they resolve
// to. Pure (no Pulumi import): the planner lists these problems next to its own, and the component
// re-checks the plan's copy before it creates anything.

import { CLOUDS, UNFIT_INSTANCE_TYPES, type GpuId } from "../../catalog/index";
import { checkClusterNetwork, cidrsOverlap, clusterAddresses, type SubnetRules } from "../../plan/addresses";
import { at } from "../../plan/paths";
import type { Placement, Problem } from "../../plan/types";
import { chooseInstanceType, namedInstanceTypeProblems } from "../catalog-choice";
import { DEFAULT_FLEX_START_HOURS, GCP_FABRIC_RANGE, GCP_MACHINES, MAX_FLEX_START_HOURS, MIN_BOOT_DISK_GIB, type GcpMachine } from "./machines";
import type { GcpConfig } from "./schema";

export const GCP_PROJECT_KEY = "gcp:project";
export const GCP_REGION_KEY = "gcp:region";

// GCP reserves the network and gateway addresses and the last two of every subnet; primary IPv4
// ranges are /8 to /29 (VPC docs, "Subnets": reserved IPv4 addresses).
export const GCP_SUBNETS: SubnetRules = {
    cloudName: "GCP", defaultSubnetCidr: CLOUDS.gcp.defaultSubnetCidr!, firstHostOffset: CLOUDS.gcp.firstHostOffset,
    reservedLow: 2, reservedHigh: 2, minPrefix: 8, maxPrefix: 29,
};

/** Config path of a field of the `gcp:` block, e.g. `deepseek-sglang:cluster.gcp.zone`. */
export function gcpPath(field: string): string {
    return at("gcp", ...field.split("."));
}

export interface GcpCheckContext {
    gpu: GpuId;
    nodes: number;
    project: string | null;
    region: string | null;
}

/** The machine the nodes run on: the block's when it fits the GPU, else the catalog's preferred. */
export function gcpMachineFor(gcp: GcpConfig, gpu: GpuId): GcpMachine | undefined {
    const type = chooseInstanceType("gcp", gcp.machineType, gpu);
    return type ? GCP_MACHINES[type.name] : undefined;
}

/** Every problem with the `gcp:` block and the stack's GCP settings; empty when it can be placed. */
export function checkGcpConfig(gcp: GcpConfig, ctx: GcpCheckContext): Problem[] {
    const machine = gcpMachineFor(gcp, ctx.gpu);
    return [
        ...checkSettings(ctx),
        ...namedInstanceTypeProblems("gcp", gcp.machineType, ctx.gpu, gcpPath("machineType"), UNFIT_INSTANCE_TYPES),
        ...(machine ? checkZone(gcp, machine, ctx.region) : []),
        ...checkClusterNetwork(gcp, ctx.nodes, GCP_SUBNETS, gcpPath),
        ...(machine ? checkFabricRange(gcp, machine) : []),
        ...(machine ? checkCapacity(gcp, machine) : []),
        ...checkBootDisk(gcp),
        ...checkWeightsBucket(gcp),
        ...checkLabels(gcp),
    ];
}

function checkSettings(ctx: GcpCheckContext): Problem[] {
    const problems: Problem[] = [];
    if (!ctx.project) problems.push({ path: GCP_PROJECT_KEY, reason: "missing: set the GCP project in the stack file (gcp:project: my-project); the secrets, bucket and service account live there" });
    else if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(ctx.project) && !/^[a-z0-9.-]+:[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(ctx.project)) {
        problems.push({ path: GCP_PROJECT_KEY, reason: `"${ctx.project}" is not a project id (6-30 lowercase letters, digits and hyphens, starting with a letter)` });
    }
    if (!ctx.region) problems.push({ path: GCP_REGION_KEY, reason: "missing: set the GCP region in the stack file (gcp:region: us-central1); the zone, subnet and bucket are placed there" });
    return problems;
}

/** The zone the nodes go to: the block's, else the first catalog zone of the region that offers the machine. */
export function gcpZone(gcp: GcpConfig, machine: GcpMachine, region: string): string | undefined {
    return gcp.zone ?? machine.zones.find((z) => zoneRegion(z) === region);
}

function zoneRegion(zone: string): string {
    return zone.replace(/-[a-z]$/, "");
}

function checkZone(gcp: GcpConfig, machine: GcpMachine, region: string | null): Problem[] {
    if (!region) return [];
    if (gcp.zone === undefined) {
        if (gcpZone(gcp, machine, region)) return [];
        const regions = [...new Set(machine.zones.map(zoneRegion))];
        return [{ path: GCP_REGION_KEY, reason: `no zone of ${region} offers ${machine.name}; regions that do: ${regions.join(", ")}` }];
    }
    if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(gcp.zone)) return [{ path: gcpPath("zone"), reason: `"${gcp.zone}" is not a zone name such as us-central1-b` }];
    if (zoneRegion(gcp.zone) !== region) return [{ path: gcpPath("zone"), reason: `${gcp.zone} is not in the stack's region ${region} (gcp:region)` }];
    if (!machine.zones.includes(gcp.zone)) {
        const here = machine.zones.filter((z) => zoneRegion(z) === region);
        return [{ path: gcpPath("zone"), reason: `${gcp.zone} does not offer ${machine.name}; zones that do${here.length > 0 ? ` in ${region}: ${here.join(", ")}` : `: ${machine.zones.join(", ")}`}` }];
    }
    return [];
}

function checkFabricRange(gcp: GcpConfig, machine: GcpMachine): Problem[] {
    const subnet = gcp.subnetCidr;
    if (machine.fabric.length === 0 || subnet === undefined || !/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(subnet)) return [];
    if (!cidrsOverlap(subnet, GCP_FABRIC_RANGE)) return [];
    return [{ path: gcpPath("subnetCidr"), reason: `${subnet} overlaps ${GCP_FABRIC_RANGE}, where the library numbers the ${machine.name} fabric subnets; pick another range` }];
}

function checkCapacity(gcp: GcpConfig, machine: GcpMachine): Problem[] {
    const capacity = gcp.capacity;
    if (!capacity) return [];
    const problems: Problem[] = [];
    const named = capacity.type === "reservation" || capacity.type === "calendar";
    if (named && !capacity.reservation) {
        problems.push({ path: gcpPath("capacity.reservation"), reason: `capacity type "${capacity.type}" needs the name of the reservation the nodes consume` });
    }
    if (!named && capacity.reservation) {
        problems.push({ path: gcpPath("capacity.reservation"), reason: `a reservation is only consumed with capacity type "reservation" or "calendar", not "${capacity.type}"` });
    }
    if (capacity.type === "flex-start" && !machine.flexStart) {
        problems.push({ path: gcpPath("capacity.type"), reason: `${machine.name} cannot be provisioned with DWS flex-start; use on-demand, spot or a reservation` });
    }
    if (capacity.type === "calendar" && !machine.calendar) {
        problems.push({ path: gcpPath("capacity.type"), reason: `${machine.name} has no DWS calendar-mode reservations (they cover A3 Ultra and A3 Mega here); use on-demand, spot, flex-start or a reservation` });
    }
    if (capacity.maxRunHours !== undefined && capacity.type !== "flex-start") {
        problems.push({ path: gcpPath("capacity.maxRunHours"), reason: `a maximum run time is only set with capacity type "flex-start"` });
    } else if (capacity.maxRunHours !== undefined && capacity.maxRunHours > MAX_FLEX_START_HOURS) {
        problems.push({ path: gcpPath("capacity.maxRunHours"), reason: `DWS flex-start runs at most ${MAX_FLEX_START_HOURS} hours (7 days); got ${capacity.maxRunHours}` });
    }
    return problems;
}

function checkBootDisk(gcp: GcpConfig): Problem[] {
    if (gcp.bootDiskGiB === undefined || gcp.bootDiskGiB >= MIN_BOOT_DISK_GIB) return [];
    return [{ path: gcpPath("bootDiskGiB"), reason: `${gcp.bootDiskGiB} GiB cannot hold the image, the SGLang container and the compile caches; use at least ${MIN_BOOT_DISK_GIB}` }];
}

function checkWeightsBucket(gcp: GcpConfig): Problem[] {
    const bucket = gcp.weightsBucket;
    if (!bucket) return [];
    // `{ create: false }` turns the mirror off; an empty block says nothing.
    if (bucket.create === undefined && bucket.name === undefined) {
        return [{ path: gcpPath("weightsBucket"), reason: "set create: true for a new mirror bucket, create: false for none, or name an existing bucket" }];
    }
    if (bucket.name !== undefined && !validBucketName(bucket.name)) {
        return [{ path: gcpPath("weightsBucket.name"), reason: `"${bucket.name}" is not a valid Cloud Storage bucket name (3-63 lowercase letters, digits, hyphens, underscores and dots, starting and ending with a letter or digit, not starting with "goog")` }];
    }
    return [];
}

// Cloud Storage bucket naming (Storage docs, "Bucket names"), without dotted names over 63 characters.
function validBucketName(name: string): boolean {
    return /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name) && !name.startsWith("goog") && !name.includes("google") && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

function checkLabels(gcp: GcpConfig): Problem[] {
    // Labels: keys start with a lowercase letter; keys and values up to 63 lowercase letters, digits, _ and - (Resource Manager docs, "Labels").
    return Object.entries(gcp.labels ?? {}).flatMap(([key, value]) => {
        if (!/^[a-z][a-z0-9_-]{0,62}$/.test(key)) return [{ path: gcpPath(`labels.${key}`), reason: `label keys must start with a lowercase letter and hold at most 63 lowercase letters, digits, "_" or "-"` }];
        if (!/^[a-z0-9_-]{0,63}$/.test(value)) return [{ path: gcpPath(`labels.${key}`), reason: `label values hold at most 63 lowercase letters, digits, "_" or "-"; got "${value}"` }];
        return [];
    });
}

/** What the planner records for GCP; called only when checkGcpConfig found nothing. */
export function gcpPlacement(gcp: GcpConfig, ctx: GcpCheckContext): { placement: Placement; addresses: string[] } {
    const machine = gcpMachineFor(gcp, ctx.gpu)!;
    const subnetCidr = gcp.subnetCidr ?? GCP_SUBNETS.defaultSubnetCidr;
    const capacity = gcp.capacity ?? { type: "on-demand" as const };
    const settings: GcpSettings = {
        ...gcp,
        project: ctx.project!,
        ...(capacity.type === "flex-start" ? { capacity: { ...capacity, maxRunHours: capacity.maxRunHours ?? DEFAULT_FLEX_START_HOURS } } : {}),
    };
    return {
        placement: {
            instanceType: machine.name,
            zone: gcpZone(gcp, machine, ctx.region!)!,
            network: { id: null, subnetId: null, subnetCidr, cidr: subnetCidr },
            allowedCidrs: gcp.allowedCidrs ?? [],
            capacity: { type: capacity.type, reservation: capacity.reservation ?? null },
            settings: settings as unknown as Record<string, unknown>,
        },
        addresses: clusterAddresses(gcp, ctx.nodes, GCP_SUBNETS)!,
    };
}

/** The checked block as the plan's placement carries it, with the stack's project. */
export type GcpSettings = GcpConfig & { project: string };
