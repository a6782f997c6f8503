// GcpServingCluster: a ServingPlan on Compute Engine. One VM per rank at the plan's static internal
// address, no external IPs, the machine type's fabric NICs, compact placement, secrets in Secret
// Manager, status/caches (and an optional weights mirror) in Cloud Storage, one service account
// holding exactly the bindings the nodes use. Follows the pulumi-eks/awsx conventions (pulumi-style.md).

import * as pulumi from "@pulumi/pulumi";
import * as cloudquota from "@pulumi/gcp/cloudquota";
import * as compute from "@pulumi/gcp/compute";
import * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import * as random from "@pulumi/random";
import { renderUserData, unitsFor } from "../../boot/render";
import type { BootHooks } from "../../boot/hooks";
import type { Placement, ServingPlan } from "../../plan/types";
import type { ServingClusterArgs, ServingClusterOutputs } from "../adapter";
import { shortHash } from "../planned-hooks";
import { GCP_PROJECT_KEY, checkGcpConfig, gcpPath, type GcpSettings } from "./checks";
import { DEFAULT_BOOT_DISK_GIB, DEFAULT_GCP_IMAGE, GCE_METADATA_VALUE_LIMIT, GCP_MACHINES, type GcpMachine } from "./machines";
import { clusterNetworks, nodeTag, type ClusterNetworks } from "./network";
import { mirrorWanted } from "../mirror-choice";
import { gcpStagingHost } from "./staging";
import { withTcpxoUnit } from "./tcpxo";

export const GCP_SERVING_CLUSTER_TYPE = "deepseek-sglang:index:GcpServingCluster";
export const STATUS_PREFIX = "status";
export const CACHE_PREFIX = "cache";
/** API key length: 48 alphanumerics, as on AWS. */
const API_KEY_LENGTH = 48;

/** A refusal that lists every problem with its config path; thrown (or an output rejected) before anything is billed. */
export class GcpConfigError extends Error {
    constructor(public readonly problems: { path: string; reason: string }[]) {
        super(problems.map((p) => `${p.path}: ${p.reason}`).join("\n"));
        this.name = "GcpConfigError";
    }
}

export interface GcpServingClusterArgs extends ServingClusterArgs {
    /**
     * The decided deployment with the placement the GCP adapter resolved from the `gcp:` block and the
     * stack's `gcp:project` / `gcp:region`: machine type, zone, subnet, allow-list, capacity.
     * Defaults the planner applied: the cluster subnet 10.43.0.0/24, the first catalog zone of the
     * region offering the machine type, on-demand capacity, the Deep Learning VM image, a 300 GiB boot
     * disk, a weights mirror the stack creates (kept on destroy) and fills from a staging VM before any
     * GPU VM exists, the API port open to the cluster subnet only.
     */
    plan: ServingPlan;
    /** Labels added to every labelled child, after `gcp.labels`. Defaults to none. */
    labels?: Record<string, string>;
}

/** Names of what the nodes read, fixed by the stack name (the planned-hooks contract). */
export function gcpResourceNames(name: string): { stateBucket: string; apiKeySecret: string; hfTokenSecret: string; serviceAccount: string } {
    return {
        stateBucket: `${name}-state-${shortHash(name)}`,
        apiKeySecret: `${name}-api-key`,
        hfTokenSecret: `${name}-hf-token`,
        // 6-30 characters: the name's first 23, then "-nodes".
        serviceAccount: `${name.slice(0, 23).replace(/-+$/, "")}-nodes`,
    };
}

export class GcpServingCluster extends pulumi.ComponentResource implements ServingClusterOutputs {
    public readonly endpoint: pulumi.Output<string>;
    public readonly apiKey: pulumi.Output<string>;
    /** Instance ids (`projects/<p>/zones/<z>/instances/<name>`), rank 0 first. */
    public readonly nodeIds: pulumi.Output<string[]>;
    public readonly nodeAddresses: pulumi.Output<string[]>;
    /** `gs://<bucket>/status`: each node writes `rank-N.json` there. */
    public readonly statusLocation: pulumi.Output<string>;
    public readonly weightsMirror: pulumi.Output<string | null>;
    public readonly costPerHour: pulumi.Output<number | null>;
    /** Per rank and boot stage: the `gcloud compute ssh --tunnel-through-iap` command that tails that stage's journal. */
    public readonly logCommands: pulumi.Output<Record<string, Record<string, string>>>;
    /** The service account the nodes run as. */
    public readonly serviceAccountEmail: pulumi.Output<string>;
    /** The zone after the deploy-time checks (machine type offered, GPU quota); rejects with a GcpConfigError. */
    public readonly zone: pulumi.Output<string>;
    /** Each rank's cloud-init document, rank 0 first. Holds resource names, never secret values. */
    public readonly userData: pulumi.Output<string>[];

    /**
     * @param name The _unique_ name of this component; it prefixes every child (lowercase, ≤ 40 characters).
     * @param args The plan (with its GCP placement), the Hugging Face token and extra labels.
     * @param opts A bag of options that control this component's behavior.
     */
    constructor(name: string, args: GcpServingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(GCP_SERVING_CLUSTER_TYPE, name, {}, opts);
        const plan = args.plan;
        const { gcp, machine } = validateGcpCluster(name, plan);
        const placement = plan.placement;
        const project = gcp.project;
        const region = plan.region!;
        const labels = { "deepseek-sglang-cluster": name, "deepseek-sglang-row": plan.row.id, ...gcp.labels, ...args.labels };
        const parent = this;
        const opt = { parent };
        const names = gcpResourceNames(name);

        this.zone = checkedZone(this, { project, region, zone: placement.zone!, machine, nodes: plan.nodes.length, capacity: placement.capacity.type });
        const networks = clusterNetworks({
            name, parent, project, region, zone: placement.zone!, machine, subnetCidr: placement.network.subnetCidr!,
            apiPort: plan.ports.http, allowedCidrs: placement.allowedCidrs,
        });

        const account = new serviceaccount.Account(`${name}-nodes`, {
            project, accountId: names.serviceAccount, displayName: `DeepSeek SGLang nodes of ${name}`,
        }, opt);
        const member = pulumi.interpolate`serviceAccount:${account.email}`;

        // Secrets: the API key (generated) and the HF token; the nodes read them by name at boot.
        const password = new random.RandomPassword(`${name}-api-key`, { length: API_KEY_LENGTH, special: false }, opt);
        this.apiKey = pulumi.secret(password.result);
        const grants: pulumi.Resource[] = [];
        const secret = (resource: string, secretId: string, value: pulumi.Input<string>) => {
            const s = new secretmanager.Secret(resource, { project, secretId, replication: { auto: {} }, labels }, opt);
            grants.push(new secretmanager.SecretVersion(`${resource}-value`, { secret: s.id, secretData: pulumi.secret(value) }, opt));
            grants.push(new secretmanager.SecretIamMember(`${resource}-reader`, { project, secretId: s.secretId, role: "roles/secretmanager.secretAccessor", member }, opt));
            return s;
        };
        const apiKeySecret = secret(`${name}-api-key`, names.apiKeySecret, this.apiKey);
        const hfSecret = args.hfToken === undefined ? null : secret(`${name}-hf-token`, names.hfTokenSecret, args.hfToken);

        // Status records and caches can be rebuilt, so the bucket goes with the stack.
        const state = privateBucket(this, `${name}-state`, { project, name: names.stateBucket, location: region, labels, forceDestroy: true });
        grants.push(new storage.BucketIAMMember(`${name}-state-rw`, { bucket: state.name, role: "roles/storage.objectUser", member }, opt));
        const mirror = weightsMirror(this, name, { project, location: region, labels, plan, gcp, member, grants });

        const policy = usesOwnPlacementPolicy(placement) && plan.nodes.length > 1
            ? new compute.ResourcePolicy(`${name}-placement`, {
                project, region, description: `compact placement of ${name}'s ${plan.nodes.length} nodes`,
                groupPlacementPolicy: { collocation: "COLLOCATED", vmCount: plan.nodes.length },
            }, opt)
            : null;

        const hooks = pulumi.all([apiKeySecret.id, hfSecret?.id ?? pulumi.output(null), state.name, mirror?.bucket ?? pulumi.output(null)])
            .apply(([apiKeyId, hfId, bucket, mirrorBucket]): BootHooks => ({
                cloud: "gcp",
                region,
                secrets: { hfToken: hfId, apiKey: apiKeyId },
                weightsMirror: mirror && mirrorBucket ? `gs://${mirrorBucket}/${mirror.prefix}` : null,
                weightsMirrorWritable: mirror?.writable ?? false,
                // The staging VM fills every mirror the stack uses before the GPU VMs exist.
                weightsStaged: mirror !== null,
                statusPrefix: `gs://${bucket}/${STATUS_PREFIX}`,
                cachePrefix: `gs://${bucket}/${CACHE_PREFIX}`,
            }));

        // Weights into the mirror before any GPU VM is billed; the GPU VMs wait on its completion record.
        const staging = mirror
            ? gcpStagingHost({
                name, parent, plan, project, zone: this.zone, subnetwork: networks.subnetwork.id, labels,
                mirror: { bucket: mirror.bucket, prefix: mirror.prefix, owned: mirror.writable },
                stateBucket: state.name, hfTokenSecret: hfSecret, hooks,
                bootDependencies: [...networks.ready, ...grants],
            })
            : null;

        const nodes = [...plan.nodes].sort((a, b) => a.rank - b.rank).map((node) => {
            const nodeName = `${name}-node-${node.rank}`;
            const address = new compute.Address(`${nodeName}-ip`, {
                project, region, subnetwork: networks.subnetwork.id, addressType: "INTERNAL", address: node.address,
                description: `rank ${node.rank} of ${name}`,
            }, opt);
            const userData = hooks.apply((h) => nodeUserData(plan, node.rank, h, machine));
            const instance = new compute.Instance(nodeName, {
                project, zone: this.zone, machineType: machine.name,
                description: `rank ${node.rank} of ${plan.row.id} on ${machine.name}`,
                bootDisk: { autoDelete: true, initializeParams: { image: gcp.image ?? DEFAULT_GCP_IMAGE, size: gcp.bootDiskGiB ?? DEFAULT_BOOT_DISK_GIB, type: machine.bootDiskType } },
                networkInterfaces: nicsOf(networks, address.address),
                serviceAccount: { email: account.email, scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
                metadata: {
                    "user-data": userData,
                    // The Deep Learning VM installs the NVIDIA driver at first boot when asked.
                    "install-nvidia-driver": "True",
                    "enable-oslogin": "TRUE",
                    "block-project-ssh-keys": "TRUE",
                },
                scheduling: schedulingOf(placement, gcp),
                ...reservationOf(placement),
                resourcePolicies: policy?.selfLink,
                shieldedInstanceConfig: { enableIntegrityMonitoring: true, enableVtpm: true },
                tags: [nodeTag(name)],
                labels: { ...labels, "deepseek-sglang-rank": String(node.rank) },
                allowStoppingForUpdate: true,
            }, { parent, dependsOn: [...networks.ready, ...grants, ...(staging ? [staging.mirrorComplete] : [])] });
            return { rank: node.rank, address: node.address, instance, userData };
        });

        this.endpoint = pulumi.output(`http://${nodes[0]!.address}:${plan.ports.http}`);
        this.nodeIds = pulumi.all(nodes.map((n) => n.instance.id));
        this.nodeAddresses = pulumi.output(nodes.map((n) => n.address));
        this.statusLocation = pulumi.interpolate`gs://${state.name}/${STATUS_PREFIX}`;
        this.weightsMirror = mirror ? pulumi.interpolate`gs://${mirror.bucket}/${mirror.prefix}` : pulumi.output(null);
        this.costPerHour = pulumi.output(plan.costPerHour);
        this.serviceAccountEmail = account.email;
        this.logCommands = pulumi.all(nodes.map((n) => n.instance.name)).apply((instanceNames) =>
            gcpLogCommands(project, placement.zone!, instanceNames, (rank) => unitsFor(plan, rank)));
        this.userData = nodes.map((n) => n.userData);

        this.registerOutputs({
            endpoint: this.endpoint, apiKey: this.apiKey, nodeIds: this.nodeIds, nodeAddresses: this.nodeAddresses,
            statusLocation: this.statusLocation, weightsMirror: this.weightsMirror, costPerHour: this.costPerHour,
            logCommands: this.logCommands, serviceAccountEmail: this.serviceAccountEmail, zone: this.zone,
        });
    }
}

/** The registry's factory (src/clouds/registry.ts). */
export function gcpServingCluster(name: string, args: ServingClusterArgs, opts?: pulumi.ComponentResourceOptions): ServingClusterOutputs {
    return new GcpServingCluster(name, args, opts);
}

/** Refuses, listing every problem, a plan this component cannot serve. */
export function validateGcpCluster(name: string, plan: ServingPlan): { gcp: GcpSettings; machine: GcpMachine } {
    const gcp = plan.placement.settings as GcpSettings;
    const problems: { path: string; reason: string }[] = [];
    // Child names, the bucket and the service account derive from it; GCE names are lowercase.
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) problems.push({ path: "name", reason: `component name "${name}" must be 1-40 lowercase letters, digits or hyphens, starting with a letter (it prefixes instance, bucket and service-account names)` });
    if (plan.cloud !== "gcp") problems.push({ path: "deepseek-sglang:cluster.cloud", reason: `the plan is for ${plan.cloud}, not gcp` });
    if (!plan.region) problems.push({ path: "gcp:region", reason: "set the stack's GCP region" });
    if (!gcp?.project) problems.push({ path: GCP_PROJECT_KEY, reason: "set the stack's GCP project" });
    const machine = plan.placement.instanceType ? GCP_MACHINES[plan.placement.instanceType] : undefined;
    if (!machine || plan.placement.zone === null) problems.push({ path: gcpPath("machineType"), reason: `the plan places no GCP machine type (it says ${plan.placement.instanceType ?? "nothing"})` });
    if (problems.length === 0) {
        problems.push(...checkGcpConfig(gcp, { gpu: plan.row.gpu, nodes: plan.nodes.length, project: gcp.project, region: plan.region }));
    }
    if (problems.length > 0) throw new GcpConfigError(problems);
    return { gcp, machine: machine! };
}

/** Reservations fix where the nodes land; a compact policy of ours may not be attached to them. */
export function usesOwnPlacementPolicy(placement: Placement): boolean {
    return ["on-demand", "spot", "flex-start"].includes(placement.capacity.type);
}

/** Provisioning model per capacity type (cloud-facts §2.5 [S27]): GPU VMs always stop for host maintenance. */
export function schedulingOf(placement: Placement, gcp: GcpSettings): compute.InstanceArgs["scheduling"] {
    const base = { onHostMaintenance: "TERMINATE" };
    switch (placement.capacity.type) {
        case "on-demand":
        case "reservation":
            return { ...base, provisioningModel: "STANDARD", automaticRestart: true };
        case "spot":
            return { ...base, provisioningModel: "SPOT", preemptible: true, automaticRestart: false, instanceTerminationAction: "DELETE" };
        case "flex-start":
            // FLEX_START requires no automatic restart, DELETE on termination and a maximum run time.
            return { ...base, provisioningModel: "FLEX_START", automaticRestart: false, instanceTerminationAction: "DELETE", maxRunDuration: { seconds: (gcp.capacity?.maxRunHours ?? 24) * 3600 } };
        case "calendar":
            // A calendar-mode reservation's VMs are bound to it and deleted when it ends.
            return { ...base, provisioningModel: "RESERVATION_BOUND", automaticRestart: false, instanceTerminationAction: "DELETE" };
        default:
            throw new Error(`gcp: capacity type "${placement.capacity.type}" is not one the GCP adapter places`);
    }
}

/** Specific reservations are consumed by name. */
export function reservationOf(placement: Placement): Pick<compute.InstanceArgs, "reservationAffinity"> {
    if (!placement.capacity.reservation) return {};
    return { reservationAffinity: { type: "SPECIFIC_RESERVATION", specificReservation: { key: "compute.googleapis.com/reservation-name", values: [placement.capacity.reservation] } } };
}

/** nic0 carries the rank's static internal address; no interface gets an access config (no external IP). */
function nicsOf(networks: ClusterNetworks, address: pulumi.Output<string>): compute.InstanceArgs["networkInterfaces"] {
    return networks.nics.map((nic, i) => ({
        network: nic.network, subnetwork: nic.subnetwork, nicType: nic.nicType, stackType: "IPV4_ONLY",
        ...(i === 0 ? { networkIp: address } : {}),
    }));
}

function nodeUserData(plan: ServingPlan, rank: number, hooks: BootHooks, machine: GcpMachine): string {
    const rendered = renderUserData(plan, rank, hooks);
    const text = plan.fabric === "gpudirect-tcpxo" && machine.name === "a3-megagpu-8g" ? withTcpxoUnit(rendered) : rendered;
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > GCE_METADATA_VALUE_LIMIT) throw new Error(`gcp: rank ${rank}'s user data is ${bytes} bytes, over the ${GCE_METADATA_VALUE_LIMIT} a metadata value holds`);
    return text;
}

interface MirrorContext {
    project: string;
    location: string;
    labels: Record<string, string>;
    plan: ServingPlan;
    gcp: GcpSettings;
    member: pulumi.Output<string>;
    grants: pulumi.Resource[];
}

/**
 * The mirror is on unless `weightsBucket: { create: false }`: the staging VM fills it from Hugging
 * Face before any GPU VM exists; the GPU VMs (and every later boot) read it through Private Google Access.
 */
function weightsMirror(parent: pulumi.Resource, name: string, m: MirrorContext): { bucket: pulumi.Output<string>; prefix: string; writable: boolean } | null {
    if (!mirrorWanted(m.gcp.weightsBucket)) return null;
    const wanted = m.gcp.weightsBucket ?? { create: true };
    const prefix = `models/${m.plan.weights.sourceRepo}/${m.plan.weights.revision}`;
    const opt = { parent };
    if (!wanted.create) {
        // A shared mirror stays read-only to this stack's nodes.
        m.grants.push(new storage.BucketIAMMember(`${name}-weights-read`, { bucket: wanted.name!, role: "roles/storage.objectViewer", member: m.member }, opt));
        return { bucket: pulumi.output(wanted.name!), prefix, writable: false };
    }
    // ~700 GB that took an hour to fetch: `pulumi destroy` leaves the bucket in place.
    const bucket = privateBucket(parent, `${name}-weights`, { project: m.project, name: wanted.name ?? `${name}-weights-${shortHash(name)}`, location: m.location, labels: m.labels, forceDestroy: false, retainOnDelete: true });
    m.grants.push(new storage.BucketIAMMember(`${name}-weights-rw`, { bucket: bucket.name, role: "roles/storage.objectUser", member: m.member }, opt));
    return { bucket: bucket.name, prefix, writable: true };
}

function privateBucket(parent: pulumi.Resource, resource: string, b: { project: string; name: string; location: string; labels: Record<string, string>; forceDestroy: boolean; retainOnDelete?: boolean }): storage.Bucket {
    return new storage.Bucket(resource, {
        project: b.project, name: b.name, location: b.location.toUpperCase(), forceDestroy: b.forceDestroy,
        uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", labels: b.labels,
    }, { parent, retainOnDelete: b.retainOnDelete });
}

/**
 * Deploy-time checks before any VM is billed: the zone offers the machine type (machineTypes.list)
 * and the region's GPU quota for the capacity type covers the nodes (Cloud Quotas). Reservations
 * already hold their quota. A quota the API does not report is warned about, not refused.
 */
function checkedZone(parent: pulumi.Resource, c: { project: string; region: string; zone: string; machine: GcpMachine; nodes: number; capacity: string }): pulumi.Output<string> {
    const offered = compute.getMachineTypesOutput({ project: c.project, zone: c.zone, filter: `name = "${c.machine.name}"` }, { parent });
    const reserved = c.capacity === "reservation" || c.capacity === "calendar";
    const preemptible = c.capacity === "spot" || c.capacity === "flex-start";
    const quotaId = preemptible ? "PREEMPTIBLE-GPUS-PER-GPU-FAMILY-per-project-region" : "GPUS-PER-GPU-FAMILY-per-project-region";
    const quota = reserved
        ? pulumi.output(null)
        : pulumi.output(cloudquota.getSQuotaInfo({ parent: `projects/${c.project}`, service: "compute.googleapis.com", quotaId }, { parent }).then(
            (q) => q,
            (err: unknown) => {
                pulumi.log.warn(`could not read the ${quotaId} quota of ${c.project} (${String(err)}); the GPU quota is not checked before the VMs are created`, parent);
                return null;
            },
        ));
    return pulumi.all([offered, quota]).apply(([types, q]) => {
        const problems = zoneProblems(c, types.machineTypes.map((t) => t.name), q ? quotaLimit(q.dimensionsInfos, c.region, c.machine.quotaFamily) : null, quotaId);
        if (problems.length > 0) throw new GcpConfigError(problems);
        return c.zone;
    });
}

/** Pure: what the deploy-time answers say about the plan. `limit` null: quota unknown. */
export function zoneProblems(c: { zone: string; machine: GcpMachine; nodes: number }, offeredTypes: string[], limit: number | null, quotaId: string): { path: string; reason: string }[] {
    const problems: { path: string; reason: string }[] = [];
    if (!offeredTypes.includes(c.machine.name)) problems.push({ path: gcpPath("zone"), reason: `${c.zone} does not offer ${c.machine.name} to this project` });
    const gpus = c.nodes * 8;
    if (limit !== null && limit < gpus) {
        problems.push({ path: gcpPath("machineType"), reason: `the project's ${quotaId} quota for ${c.machine.quotaFamily} is ${limit} GPUs; ${c.nodes} x ${c.machine.name} need ${gpus}. Request an increase, or use a reservation` });
    }
    return problems;
}

/** The quota value for a region and GPU family: the most specific dimensions entry that matches (Cloud Quotas lists them most specific first). */
export function quotaLimit(infos: { applicableLocations: string[]; details: { value: string }[]; dimensions: Record<string, string> }[], region: string, family: string): number | null {
    const match = infos.find((i) => (i.dimensions.region ?? region) === region && (i.dimensions.gpu_family ?? family) === family);
    const value = match?.details[0]?.value;
    return value === undefined || value === "" ? null : Number(value);
}

/** Per rank and stage: the command that follows that stage's journal through IAP (the nodes have no external IP). */
export function gcpLogCommands(project: string, zone: string, instanceNames: string[], unitsOf: (rank: number) => readonly string[]): Record<string, Record<string, string>> {
    const byRank: Record<string, Record<string, string>> = {};
    instanceNames.forEach((instance, rank) => {
        byRank[`rank-${rank}`] = Object.fromEntries(unitsOf(rank).map((unit) => [
            unit,
            `gcloud compute ssh ${instance} --project ${project} --zone ${zone} --tunnel-through-iap --command 'sudo journalctl -u ${unit} -f --no-pager'`,
        ]));
    });
    return byRank;
}
