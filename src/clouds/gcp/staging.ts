// The staging VM: a CPU machine in the cluster subnet that fills the weights mirror before any GPU
// VM exists (renderStagingUserData), then deletes itself (a stopped VM would bill its disk, the size
// of the weights). Its own service account reads the Hugging Face token, fills the mirror's prefix,
// writes its status record, and may delete this one VM, nothing else. MirrorComplete waits on the
// record it writes last; the GPU VMs depend on that.

import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute";
import * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import type { BootHooks } from "../../boot/hooks";
import { renderStagingUserData } from "../../boot/staging";
import type { ServingPlan } from "../../plan/types";
import { readinessBudget } from "../../readiness/budget";
import { MirrorComplete } from "../../weights/mirror-gate";
import { MIRROR_COMPLETE_RECORD, stagingDiskGiB } from "../../weights/staging";
import { GCE_METADATA_VALUE_LIMIT, GCP_STAGING_HOST } from "./machines";
import { gcsStatusStore } from "./status-store";

/** Where the staging VM publishes its status record: beside, never under, the nodes' `status/`. */
export const STAGING_STATUS_PREFIX = "staging";
/** Ubuntu 22.04 LTS: cloud-init reads the `user-data` metadata key; the Google Cloud CLI ships with Google's Ubuntu images. */
export const STAGING_IMAGE = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts";
// C3 takes Persistent Disk balanced (not standard) boot disks.
const STAGING_DISK_TYPE = "pd-balanced";

export interface GcpStagingContext {
    name: string;
    parent: pulumi.Resource;
    plan: ServingPlan;
    project: string;
    zone: pulumi.Input<string>;
    subnetwork: pulumi.Input<string>;
    labels: Record<string, string>;
    /** The mirror it fills: bucket and `models/<repo>/<revision>` prefix; `owned` when the stack created the bucket. */
    mirror: { bucket: pulumi.Output<string>; prefix: string; owned: boolean };
    stateBucket: pulumi.Output<string>;
    hfTokenSecret: secretmanager.Secret | null;
    /** The GPU nodes' boot hooks; the staging VM's differ in its status prefix only. */
    hooks: pulumi.Output<BootHooks>;
    /** What must exist before it boots: Cloud NAT (Hugging Face) and the secret values. */
    bootDependencies: pulumi.Resource[];
}

export interface GcpStaging {
    instance: compute.Instance;
    mirrorComplete: MirrorComplete;
    serviceAccountEmail: pulumi.Output<string>;
    userData: pulumi.Output<string>;
}

/** A bucket IAM condition that limits a grant to objects under `prefix` (uniform bucket-level access). */
export function objectPrefixCondition(bucket: string, prefix: string, what: string): { title: string; description: string; expression: string } {
    return {
        title: `only ${prefix}/`,
        description: `${what}: objects under ${prefix}/ only`,
        expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}/")`,
    };
}

/** 6-30 characters: the stack name's first 21, then "-staging". */
export function stagingAccountId(name: string): string {
    return `${name.slice(0, 21).replace(/-+$/, "")}-staging`;
}

export function gcpStagingHost(ctx: GcpStagingContext): GcpStaging {
    const { parent, plan, project } = ctx;
    const name = `${ctx.name}-staging`;
    const opt = { parent };
    const account = new serviceaccount.Account(name, {
        project, accountId: stagingAccountId(ctx.name), displayName: `DeepSeek SGLang staging VM of ${ctx.name}: fills the weights mirror`,
    }, opt);
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    const grants: pulumi.Resource[] = [];
    if (ctx.hfTokenSecret) {
        grants.push(new secretmanager.SecretIamMember(`${name}-hf-token-reader`, { project, secretId: ctx.hfTokenSecret.secretId, role: "roles/secretmanager.secretAccessor", member }, opt));
    }
    // objectUser (get, create, delete for a rewritten manifest) on the mirror's prefix only; a bucket
    // the stack did not create may hold other models or teams' data.
    grants.push(new storage.BucketIAMMember(`${name}-mirror-rw`, {
        bucket: ctx.mirror.bucket, role: "roles/storage.objectUser", member,
        ...(ctx.mirror.owned ? {} : { condition: ctx.mirror.bucket.apply((b) => objectPrefixCondition(b, ctx.mirror.prefix, "the staging VM fills the mirror")) }),
    }, opt));
    grants.push(new storage.BucketIAMMember(`${name}-status-rw`, {
        bucket: ctx.stateBucket, role: "roles/storage.objectUser", member,
        condition: ctx.stateBucket.apply((b) => objectPrefixCondition(b, STAGING_STATUS_PREFIX, "the staging VM's status record")),
    }, opt));

    const userData = pulumi.all([ctx.hooks, ctx.stateBucket]).apply(([hooks, bucket]) => {
        const text = renderStagingUserData(plan, { ...hooks, statusPrefix: `gs://${bucket}/${STAGING_STATUS_PREFIX}` });
        const bytes = Buffer.byteLength(text, "utf8");
        if (bytes > GCE_METADATA_VALUE_LIMIT) throw new Error(`gcp: the staging VM's user data is ${bytes} bytes, over the ${GCE_METADATA_VALUE_LIMIT} a metadata value holds`);
        return text;
    });
    const budget = readinessBudget(plan).stages["fetch-weights"] ?? 0;
    const instance = new compute.Instance(name, {
        project, zone: ctx.zone, machineType: GCP_STAGING_HOST.type,
        description: `staging VM of ${ctx.name}: ${plan.weights.sourceRepo}@${plan.weights.revision} into the weights mirror`,
        bootDisk: { autoDelete: true, initializeParams: { image: STAGING_IMAGE, size: stagingDiskGiB(plan), type: STAGING_DISK_TYPE } },
        // No external IP and no network tag: no firewall rule admits anything to it; out through Cloud NAT.
        networkInterfaces: [{ subnetwork: ctx.subnetwork, stackType: "IPV4_ONLY" }],
        serviceAccount: { email: account.email, scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
        metadata: { "user-data": userData, "enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE" },
        // A backstop to the VM deleting itself: Compute deletes it once its run time exceeds the staging budget.
        scheduling: {
            provisioningModel: "STANDARD", onHostMaintenance: "MIGRATE", automaticRestart: true,
            maxRunDuration: { seconds: budget + 2 * 3600 }, instanceTerminationAction: "DELETE",
        },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true, enableVtpm: true },
        labels: { ...ctx.labels, "deepseek-sglang-role": "staging" },
    }, { parent, dependsOn: [...grants, ...ctx.bootDependencies] });
    // May delete this one VM: its last act (stage-weights.sh end_host).
    const selfDelete = new compute.InstanceIAMMember(`${name}-self-delete`, {
        project, zone: instance.zone, instanceName: instance.name, role: "roles/compute.instanceAdmin.v1", member,
    }, opt);
    const mirrorComplete = new MirrorComplete(`${ctx.name}-mirror-complete`, {
        recordUrl: pulumi.interpolate`gs://${ctx.mirror.bucket}/${ctx.mirror.prefix}/${MIRROR_COMPLETE_RECORD}`,
        repo: plan.weights.sourceRepo,
        revision: plan.weights.revision,
        timeoutSeconds: budget + 1800,
        stagingStatusUrl: pulumi.interpolate`gs://${ctx.stateBucket}/${STAGING_STATUS_PREFIX}/rank-0.json`,
    }, gcsStatusStore(), { parent, dependsOn: [instance, selfDelete] });
    return { instance, mirrorComplete, serviceAccountEmail: account.email, userData };
}
