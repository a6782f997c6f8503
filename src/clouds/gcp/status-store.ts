// The nodes' status records (`rank-N.json` under the stack's statusLocation, `gs://bucket/status`)
// and the mirror's completion record read through Cloud Storage's JSON API, for `npm run status`,
// the readiness gate and MirrorComplete: no IAP tunnel, no SSH. Credentials are the deployer's
// Application Default Credentials, the same the Pulumi GCP provider uses.
//
// The gate's dynamic provider serializes this closure: the client is built inside each call, so only
// the options and the SDK module (re-required by name) travel with it.

import { Storage } from "@google-cloud/storage";
import type { StatusStore } from "../adapter";

export interface GcsStatusStoreOptions {
    /** A GCS-compatible JSON API endpoint instead of Google's (a stand-in, an emulator); default Google's own. */
    apiEndpoint?: string;
}

/** `gs://bucket/prefix` -> bucket and `prefix/`. */
export function parseGcsLocation(location: string): { bucket: string; prefix: string } {
    const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(location);
    if (!m) throw new Error(`${location} is not a gs://bucket/prefix location`);
    const prefix = m[2]!.replace(/\/*$/, "");
    return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : "" };
}

const RANK_RECORD = /(^|\/)rank-\d+\.json$/;

const stores = new Map<string, StatusStore>();

/** The store for these options, one object for equal options (so the providers built on it are made once: providerFor). */
export function gcsStatusStore(opts: GcsStatusStoreOptions = {}): StatusStore {
    const key = opts.apiEndpoint ?? "";
    let store = stores.get(key);
    if (!store) stores.set(key, (store = newGcsStatusStore(opts)));
    return store;
}

function newGcsStatusStore(opts: GcsStatusStoreOptions): StatusStore {
    const client = () => new Storage({ ...(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint } : {}), retryOptions: { autoRetry: true, maxRetries: 3 } });
    const why = (where: string, err: unknown) => {
        const e = err as { code?: number | string; message?: string };
        return new Error(`${where}: ${e.code ? `HTTP ${e.code}: ` : ""}${e.message ?? String(err)}`);
    };
    return {
        async readObject(url: string): Promise<string | null> {
            const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(url);
            if (!m) throw new Error(`${url} is not a gs://bucket/object URL`);
            try {
                const [body] = await client().bucket(m[1]!).file(m[2]!).download();
                return body.toString("utf-8");
            } catch (err) {
                if ((err as { code?: number }).code === 404) return null;
                throw why(url, err);
            }
        },
        async read(location: string): Promise<string[]> {
            const { bucket, prefix } = parseGcsLocation(location);
            try {
                const b = client().bucket(bucket);
                // getFiles follows nextPageToken itself (autoPaginate).
                const [files] = await b.getFiles({ prefix, autoPaginate: true });
                const records = files.filter((f) => RANK_RECORD.test(f.name));
                return await Promise.all(records.map(async (f) => (await f.download())[0].toString("utf-8")));
            } catch (err) {
                throw why(`gs://${bucket}/${prefix}`, err);
            }
        },
    };
}
