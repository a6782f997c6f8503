// A local stand-in for the Hugging Face Hub on 127.0.0.1: the model-info API with blobs=true and the
// resolve endpoint with byte ranges, plus faults: cut a transfer halfway, or serve corrupt bytes.

import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRepo {
    repo: string;
    commit: string;
    /** path -> bytes; `lfs` paths are announced with their sha256 like HF's LFS files. */
    files: Record<string, Buffer>;
    lfs: string[];
}

export interface Faults {
    /** Paths whose first full download stops halfway (connection dropped). */
    truncateOnce?: string[];
    /** Paths whose first download carries flipped bytes (right size, wrong hash). */
    corruptOnce?: string[];
    /** Paths that are always served corrupt. */
    corruptAlways?: string[];
    /** Paths whose first full download sends half the bytes, then goes silent with the connection open. */
    stallOnce?: string[];
    /** Bearer token the server requires, if any. */
    token?: string;
    /** Port to listen on (a test that brings the source back after an outage); default any free one. */
    port?: number;
}

export interface RequestLog {
    path: string;
    range: string | null;
    auth: string | null;
}

export function gitBlobSha1(data: Buffer): string {
    return createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
}

export function sampleRepo(repo = "deepseek-ai/DeepSeek-V3", shardBytes = 256 * 1024): FakeRepo {
    const config = Buffer.from(JSON.stringify({ architectures: ["DeepseekV3ForCausalLM"], quantization_config: { quant_method: "fp8" } }));
    return {
        repo,
        commit: "0123456789abcdef0123456789abcdef01234567",
        files: {
            "config.json": config,
            "tokenizer.json": Buffer.from('{"version":"1.0"}'),
            "model-00001-of-00002.safetensors": randomBytes(shardBytes),
            "model-00002-of-00002.safetensors": randomBytes(shardBytes),
        },
        lfs: ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"],
    };
}

export async function startWeightsServer(r: FakeRepo, faults: Faults = {}): Promise<{ url: string; requests: RequestLog[]; close: () => Promise<void> }> {
    const requests: RequestLog[] = [];
    const served = new Map<string, number>();
    const apiPath = `/api/models/${r.repo}/revision/`;
    const resolvePrefix = `/${r.repo}/resolve/${r.commit}/`;

    const handler = (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url!, "http://x");
        requests.push({ path: url.pathname, range: req.headers.range ?? null, auth: req.headers.authorization ?? null });
        if (faults.token && req.headers.authorization !== `Bearer ${faults.token}`) {
            res.writeHead(401).end();
            return;
        }
        if (url.pathname.startsWith(apiPath) && url.searchParams.get("blobs") === "true") {
            const siblings = Object.entries(r.files).map(([p, data]) =>
                r.lfs.includes(p)
                    ? { rfilename: p, size: data.length, blobId: gitBlobSha1(Buffer.from(`pointer ${p}`)), lfs: { sha256: createHash("sha256").update(data).digest("hex"), size: data.length, pointerSize: 130 } }
                    : { rfilename: p, size: data.length, blobId: gitBlobSha1(data) },
            );
            res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: r.repo, sha: r.commit, siblings }));
            return;
        }
        if (!url.pathname.startsWith(resolvePrefix)) {
            res.writeHead(404).end();
            return;
        }
        const path = decodeURIComponent(url.pathname.slice(resolvePrefix.length));
        const data = r.files[path];
        if (!data) {
            res.writeHead(404).end();
            return;
        }
        const n = (served.get(path) ?? 0) + 1;
        served.set(path, n);
        let body = data;
        if (faults.corruptAlways?.includes(path) || (n === 1 && faults.corruptOnce?.includes(path))) {
            body = Buffer.from(data);
            body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
        }
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
        const start = m ? Number(m[1]) : 0;
        const slice = body.subarray(start);
        res.writeHead(m ? 206 : 200, {
            "Content-Length": String(slice.length),
            "Accept-Ranges": "bytes",
            ...(m ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
        });
        if (n === 1 && !m && faults.stallOnce?.includes(path)) {
            res.write(slice.subarray(0, slice.length >> 1)); // and nothing more, until the client gives up
            return;
        }
        if (n === 1 && !m && faults.truncateOnce?.includes(path)) {
            // Half the bytes, then the connection dies: the client is left with a partial file.
            res.write(slice.subarray(0, slice.length >> 1), () => res.socket?.destroy());
            return;
        }
        res.end(slice);
    };

    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(faults.port ?? 0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections(); // a stalled transfer must not keep the server open
            }),
    };
}
