// The nodes' status records (`rank-N.json` under the stack's statusLocation) read through S3's API,
// for `npm run status` and the readiness gate: no SSM session, no SSH.
//
// The readiness gate's dynamic provider serializes this closure: the client is built inside read(),
// so only the options and the SDK module (re-required by name) travel with it.

import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { StatusStore } from "../adapter";

export interface S3StatusStoreOptions {
    region: string;
    /** An S3-compatible endpoint instead of AWS's (path-style addressing); default AWS's own. */
    endpoint?: string;
}

/** `s3://bucket/prefix` -> bucket and `prefix/`. */
export function parseS3Location(location: string): { bucket: string; prefix: string } {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
    if (!m) throw new Error(`${location} is not an s3://bucket/prefix location`);
    const prefix = m[2]!.replace(/\/*$/, "");
    return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : "" };
}

const stores = new Map<string, StatusStore>();

/** The store for these options, one object for equal options (so the providers built on it are made once: providerFor). */
export function s3StatusStore(opts: S3StatusStoreOptions): StatusStore {
    const key = JSON.stringify([opts.region, opts.endpoint ?? null]);
    let store = stores.get(key);
    if (!store) stores.set(key, (store = newS3StatusStore(opts)));
    return store;
}

function newS3StatusStore(opts: S3StatusStoreOptions): StatusStore {
    return {
        async readObject(url: string): Promise<string | null> {
            const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
            if (!m) throw new Error(`${url} is not an s3://bucket/key URL`);
            const s3 = new S3Client({ region: opts.region, maxAttempts: 3, ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}) });
            try {
                const r = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
                return r.Body ? await r.Body.transformToString("utf-8") : "";
            } catch (err) {
                const e = err as { name?: string; message?: string };
                if (e.name === "NoSuchKey") return null;
                throw new Error(`${url}: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
            } finally {
                s3.destroy();
            }
        },
        async read(location: string): Promise<string[]> {
            const { bucket, prefix } = parseS3Location(location);
            const s3 = new S3Client({ region: opts.region, maxAttempts: 3, ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}) });
            try {
                const keys: string[] = [];
                let token: string | undefined;
                do {
                    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
                    for (const o of page.Contents ?? []) if (o.Key && /(^|\/)rank-\d+\.json$/.test(o.Key)) keys.push(o.Key);
                    token = page.IsTruncated ? page.NextContinuationToken : undefined;
                } while (token);
                return await Promise.all(keys.map(async (Key) => {
                    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
                    return r.Body ? await r.Body.transformToString("utf-8") : "";
                }));
            } catch (err) {
                const e = err as { name?: string; message?: string };
                throw new Error(`s3://${bucket}/${prefix}: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
            } finally {
                s3.destroy();
            }
        },
    };
}
