// A loopback stand-in for the S3 REST API, just ListObjectsV2 and GetObject with path-style
// addressing, so the real AWS SDK client runs against it. Pages of `pageSize` keys, like S3's
// max-keys, so pagination is exercised.

import * as http from "node:http";
import type { AddressInfo } from "node:net";

export class FakeS3 {
    readonly objects = new Map<string, string>(); // "bucket/key" -> body
    readonly requests: string[] = [];
    private server = http.createServer((req, res) => this.handle(req, res));
    url = "";
    /** When set, every request answers 403 AccessDenied. */
    denied = false;
    /** Called before answering the n-th ListObjectsV2 (1-based): lets a test change the records between polls. */
    onList: ((n: number) => void) | null = null;
    /** Called before answering the n-th GetObject (1-based). */
    onGet: ((n: number) => void) | null = null;
    private lists = 0;
    private gets = 0;

    constructor(private pageSize = 2) {}

    async start(): Promise<this> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this;
    }

    async stop(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    put(bucket: string, key: string, body: unknown): void {
        this.objects.set(`${bucket}/${key}`, typeof body === "string" ? body : JSON.stringify(body));
    }

    private xmlError(res: http.ServerResponse, status: number, code: string, message: string): void {
        res.writeHead(status, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fake</RequestId></Error>`);
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://fake");
        this.requests.push(`${req.method} ${url.pathname}${url.search}`);
        if (this.denied) return this.xmlError(res, 403, "AccessDenied", "Access Denied");
        const [, bucket, ...rest] = decodeURIComponent(url.pathname).split("/");
        const key = rest.join("/");
        if (req.method === "GET" && key === "" && url.searchParams.get("list-type") === "2") {
            this.onList?.(++this.lists);
            const prefix = url.searchParams.get("prefix") ?? "";
            const all = [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket!.length + 1)).sort();
            const start = Number(url.searchParams.get("continuation-token") ?? "0");
            const page = all.slice(start, start + this.pageSize);
            const truncated = start + this.pageSize < all.length;
            res.writeHead(200, { "content-type": "application/xml" });
            res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${this.pageSize}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${start + this.pageSize}</NextContinuationToken>` : ""}${page.map((k) => `<Contents><Key>${k}</Key><Size>${this.objects.get(`${bucket}/${k}`)!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join("")}</ListBucketResult>`);
            return;
        }
        if (req.method === "GET" && key) {
            this.onGet?.(++this.gets);
            const body = this.objects.get(`${bucket}/${key}`);
            if (body === undefined) return this.xmlError(res, 404, "NoSuchKey", "The specified key does not exist.");
            res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
            res.end(body);
            return;
        }
        this.xmlError(res, 400, "NotImplemented", "the fake answers ListObjectsV2 and GetObject only");
    }
}

/** Credentials for the SDK's default chain, so it never asks the instance metadata service. */
export function fakeAwsCredentials(): void {
    process.env["AWS_ACCESS_KEY_ID"] = "AKIAFAKEFAKEFAKE";
    process.env["AWS_SECRET_ACCESS_KEY"] = "fake-secret";
    process.env["AWS_EC2_METADATA_DISABLED"] = "true";
}
