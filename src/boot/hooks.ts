// What a cloud component tells the boot pipeline: where to read secrets, where the weights mirror,
// the status records and the caches live. Plain strings, so rendering stays pure; a Pulumi component
// resolves its Outputs first and renders inside an apply.

import type { CloudId } from "../catalog/index";

export interface BootHooks {
    cloud: CloudId;
    /** Region/location the node's cloud APIs are called in (AWS region, GCP region, Azure location); null for hosts. */
    region: string | null;
    secrets: {
        /**
         * Hugging Face token: AWS Secrets Manager ARN, GCP `projects/<p>/secrets/<s>`, Azure Key Vault
         * secret URL, or a root-only file path on `hosts`. Null when the model is public and no token is set.
         */
        hfToken: string | null;
        /** The serving API key, in the same form. Only rank 0 reads it. */
        apiKey: string;
    };
    /** Object-store mirror of the weights (`s3://bucket/prefix`, `gs://...`, `https://<acct>.blob.core.windows.net/<c>/<prefix>`), or null to download from Hugging Face. */
    weightsMirror: string | null;
    /**
     * The nodes may write into the mirror (a mirror the stack created): rank 0 then seeds it with the
     * files it had to fetch from Hugging Face. Default false: a shared mirror stays read-only.
     */
    weightsMirrorWritable?: boolean;
    /**
     * A staging host fills the mirror, BF16 conversion included, before any node boots (AWS and GCP
     * components): the nodes then read the conversion from the mirror even when they may not write it.
     * Default false.
     */
    weightsStaged?: boolean;
    /** Prefix under which node N publishes `rank-N.json` (`s3://...`, `gs://...`, blob URL, or a directory on hosts). */
    statusPrefix: string;
    /** Object-store prefix for the DeepGEMM and torch.compile caches, or null to keep them on local disk only. */
    cachePrefix: string | null;
    /**
     * Object-store prefix the cloud component uploaded the pipeline's Python tools to (`<prefix>/<sha256>/<file>`,
     * see `FETCHED_TOOLS`), for clouds whose user data is too small to carry them (AWS: 16 KB). The nodes
     * fetch each tool there and check its sha256 from boot.env. Absent or null: the tools ship in user data.
     */
    toolsPrefix?: string | null;
}
