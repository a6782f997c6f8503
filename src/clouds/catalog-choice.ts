// Cloud-neutral helpers the adapters share: picking a catalog machine shape for a GPU, and the
// cluster's list price. Each takes the cloud as a value; none asks which cloud it is.

import { findInstanceType, instanceTypesFor, type CloudId, type GpuId, type InstanceType } from "../catalog/index";
import type { Placement, Problem } from "../plan/types";

/** The user's named shape when the catalog has it with this GPU, else the catalog's preferred one for the GPU. */
export function chooseInstanceType(cloud: CloudId, named: string | undefined, gpu: GpuId): InstanceType | null {
    if (named !== undefined) {
        const type = findInstanceType(cloud, named);
        return type && type.gpu === gpu ? type : null;
    }
    const offered = instanceTypesFor(cloud, gpu);
    return offered.find((t) => t.preferred) ?? offered[0] ?? null;
}

/** Why a named shape cannot serve this GPU (unknown, or another GPU); empty when it can. */
export function namedInstanceTypeProblems(cloud: CloudId, named: string | undefined, gpu: GpuId, path: string, unfit: Readonly<Record<string, string>> = {}): Problem[] {
    if (named === undefined) return [];
    if (unfit[named]) return [{ path, reason: unfit[named] }];
    const candidates = instanceTypesFor(cloud, gpu).map((t) => t.name);
    const type = findInstanceType(cloud, named);
    if (!type) return [{ path, reason: `unknown ${cloud} machine "${named}" for ${gpu}; known: ${candidates.join(", ") || "none"}` }];
    if (type.gpu !== gpu) return [{ path, reason: `${named} has ${type.gpu} GPUs, not ${gpu}${candidates.length > 0 ? `; use ${candidates.join(" or ")}` : ""}` }];
    return [];
}

/** On-demand list price of `nodes` machines of the placement's shape, in USD per hour (cents rounded). */
export function listCostPerHour(cloud: CloudId, placement: Placement, nodes: number): number | null {
    const price = placement.instanceType ? findInstanceType(cloud, placement.instanceType)?.pricePerHour ?? null : null;
    return price === null ? null : Math.round(price * nodes * 100) / 100;
}
