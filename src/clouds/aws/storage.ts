// S3 locations: a state bucket for status records and compile caches (always), and the optional
// weights mirror (a new bucket kept on destroy, or the user's existing bucket, read-only).

import * as pulumi from "@pulumi/pulumi";
import * as s3 from "@pulumi/aws/s3";
import type { ServingPlan } from "../../plan/types";
import type { AwsConfig } from "./schema";
import { FETCHED_TOOLS, toolFile } from "../../boot/render";
import { mirrorWanted } from "../mirror-choice";

export const STATUS_PREFIX = "status";
export const CACHE_PREFIX = "cache";
export const MODELS_PREFIX = "models";

/** Where the boot pipeline's Python tools are uploaded: `<state bucket>/<TOOLS_PREFIX>/<sha256>/<file>`. */
export const TOOLS_PREFIX = `${CACHE_PREFIX}/tools`;

export interface ClusterStorage {
    stateBucketName: pulumi.Output<string>;
    stateBucketArn: pulumi.Output<string>;
    /** The uploaded tools; a node boots only after they exist. */
    tools: s3.BucketObjectv2[];
    /** Null when the nodes download from Hugging Face. */
    weights: WeightsMirror | null;
}

export interface WeightsMirror {
    bucketName: pulumi.Output<string>;
    bucketArn: pulumi.Output<string>;
    /** Key prefix of this model revision inside the bucket. */
    prefix: string;
    /** True for a bucket this stack created: the first node may seed it. An existing bucket is read-only. */
    writable: boolean;
}

interface StorageContext {
    name: string;
    parent: pulumi.Resource;
    aws: AwsConfig;
    plan: ServingPlan;
    partition: string;
    tags: Record<string, string>;
}

export function clusterStorage(ctx: StorageContext): ClusterStorage {
    // Status records and caches can be rebuilt, so the bucket goes with the stack.
    const state = privateBucket(ctx, `${ctx.name}-state`, { forceDestroy: true });
    // EC2 user data holds 16 KB: the Python tools travel through the bucket, keyed by their sha256,
    // which boot.env pins, so a node runs exactly the reviewed bytes (nodes can read the cache prefix).
    const tools = FETCHED_TOOLS.map((file) => {
        const { content, sha256 } = toolFile(file);
        return new s3.BucketObjectv2(`${ctx.name}-tool-${file.replace(/\.py$/, "")}`, {
            bucket: state.id, key: `${TOOLS_PREFIX}/${sha256}/${file}`, content, contentType: "text/x-python",
            serverSideEncryption: "AES256", tags: ctx.tags,
        }, { parent: ctx.parent });
    });
    return { stateBucketName: state.bucket, stateBucketArn: state.arn, tools, weights: weightsMirror(ctx) };
}

/** `models/<repo>/<revision>`: one mirror bucket can hold several models and pinned revisions. */
export function weightsPrefix(plan: ServingPlan): string {
    return `${MODELS_PREFIX}/${plan.weights.sourceRepo}/${plan.weights.revision}`;
}

/**
 * The mirror is on unless `weightsBucket: { create: false }`: rank 0 fetches from Hugging Face once
 * and fills it, the other ranks (and every later boot) read it through the VPC's S3 gateway endpoint.
 */
function weightsMirror(ctx: StorageContext): WeightsMirror | null {
    if (!mirrorWanted(ctx.aws.weightsBucket)) return null;
    const wanted = ctx.aws.weightsBucket ?? { create: true };
    const prefix = weightsPrefix(ctx.plan);
    if (!wanted.create) {
        const arn = `arn:${ctx.partition}:s3:::${wanted.name}`;
        return { bucketName: pulumi.output(wanted.name!), bucketArn: pulumi.output(arn), prefix, writable: false };
    }
    // ~700 GB that took an hour to fetch: `pulumi destroy` leaves the bucket and its guards in place.
    const bucket = privateBucket(ctx, `${ctx.name}-weights`, { bucketName: wanted.name, retainOnDelete: true });
    return { bucketName: bucket.bucket, bucketArn: bucket.arn, prefix, writable: true };
}

/** Refuse every request that does not use TLS (AWSGuard / AWS Config s3-bucket-ssl-requests-only). */
export function tlsOnlyPolicy(bucketArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }],
    };
}

function privateBucket(ctx: StorageContext, name: string, o: { bucketName?: string; forceDestroy?: boolean; retainOnDelete?: boolean }): s3.Bucket {
    const opts = { parent: ctx.parent, retainOnDelete: o.retainOnDelete };
    const bucket = new s3.Bucket(name, { bucket: o.bucketName, forceDestroy: o.forceDestroy ?? false, tags: { ...ctx.tags, Name: name } }, opts);
    new s3.BucketPolicy(`${name}-tls-only`, { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))) }, opts);
    if (ctx.aws.accessLogBucket) {
        new s3.BucketLogging(`${name}-access-log`, { bucket: bucket.id, targetBucket: ctx.aws.accessLogBucket, targetPrefix: `${name}/` }, opts);
    }
    new s3.BucketServerSideEncryptionConfiguration(`${name}-sse`, {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }, opts);
    new s3.BucketPublicAccessBlock(`${name}-private`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, opts);
    return bucket;
}
