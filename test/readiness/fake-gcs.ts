// A loopback stand-in for Cloud Storage's JSON API, just objects.list and objects.get (alt=media),
// so the real @google-cloud/storage client runs against it. Pages of `pageSize` objects with a
// nextPageToken, as GCS pages, so pagination is exercised. Errors come in the JSON API's shape.

import * as http from "node:http";
import type { AddressInfo } from "node:net";

export class FakeGcs {
    readonly objects = new Map<string, string>(); // "bucket/name" -> body
    readonly requests: string[] = [];
    private server = http.createServer((req, res) => this.handle(req, res));
    url = "";
    /** When set, every request answers 403 like a caller without storage.objects.* on the bucket. */
    denied = false;
    /** Called before answering the n-th objects.get (1-based): lets a test change records between polls. */
    onGet: ((n: number) => void) | null = null;
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

    put(bucket: string, name: string, body: unknown): void {
        this.objects.set(`${bucket}/${name}`, typeof body === "string" ? body : JSON.stringify(body));
    }

    private error(res: http.ServerResponse, code: number, message: string): void {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code, message, errors: [{ message, domain: "global", reason: code === 404 ? "notFound" : "forbidden" }] } }));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://fake");
        this.requests.push(`${req.method} ${url.pathname}${url.search}`);
        if (this.denied) return this.error(res, 403, "caller does not have storage.objects.list access to the Google Cloud Storage bucket.");
        const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
        const get = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
        if (req.method === "GET" && list) {
            const bucket = decodeURIComponent(list[1]!);
            const prefix = url.searchParams.get("prefix") ?? "";
            const names = [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1)).sort();
            const start = Number(url.searchParams.get("pageToken") ?? "0");
            const page = names.slice(start, start + this.pageSize);
            const next = start + this.pageSize < names.length ? String(start + this.pageSize) : undefined;
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({
                kind: "storage#objects",
                items: page.map((name) => ({ kind: "storage#object", bucket, name, size: String(this.objects.get(`${bucket}/${name}`)!.length) })),
                ...(next ? { nextPageToken: next } : {}),
            }));
            return;
        }
        if (req.method === "GET" && get && url.searchParams.get("alt") === "media") {
            this.onGet?.(++this.gets);
            const body = this.objects.get(`${decodeURIComponent(get[1]!)}/${decodeURIComponent(get[2]!)}`);
            if (body === undefined) return this.error(res, 404, "No such object");
            res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
            res.end(body);
            return;
        }
        this.error(res, 400, "the stand-in answers objects.list and objects.get?alt=media only");
    }
}
