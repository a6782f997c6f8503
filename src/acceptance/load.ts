// `smoke --load N`: a bounded short load run of streamed chat completions, reporting what SGLang's
// own bench_serving reports for a serving run: output throughput, TTFT and inter-token latency.

import type OpenAI from "openai";
import { describeError } from "./checks";

export interface LoadOptions {
    requests: number;
    concurrency: number;
    maxTokens: number;
    model: string;
}

export interface RequestTiming {
    /** Seconds from sending to the first generated text (content or reasoning). */
    ttft: number | null;
    /** Seconds between consecutive chunks of generated text. */
    itl: number[];
    completionTokens: number;
    error: string | null;
}

export interface LoadReport {
    requests: number;
    failed: number;
    firstError: string | null;
    wallSeconds: number;
    outputTokens: number;
    outputTokensPerSecond: number;
    requestsPerSecond: number;
    ttft: Percentiles | null;
    itl: Percentiles | null;
}

export interface Percentiles {
    mean: number;
    p50: number;
    p90: number;
    p99: number;
}

/** Nearest-rank percentile of sorted values (0 < p <= 100). */
export function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) throw new Error("percentile of no values");
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function percentiles(values: number[]): Percentiles | null {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    return {
        mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
    };
}

// Varied prompts so the radix cache does not turn the run into a prefix-hit benchmark.
function prompt(i: number): string {
    return `Request ${i}: write a short paragraph about the number ${(i * 7919) % 10007} and why it is interesting.`;
}

async function oneRequest(c: OpenAI, o: LoadOptions, i: number): Promise<RequestTiming> {
    const start = performance.now();
    let last: number | null = null;
    let ttft: number | null = null;
    const itl: number[] = [];
    let chunks = 0;
    let usageTokens: number | null = null;
    try {
        const stream = await c.chat.completions.create({
            model: o.model, max_tokens: o.maxTokens, temperature: 0.7, stream: true, stream_options: { include_usage: true },
            messages: [{ role: "user", content: prompt(i) }],
        });
        for await (const chunk of stream) {
            if (chunk.usage) usageTokens = chunk.usage.completion_tokens;
            const text = chunk.choices.map((ch) => `${ch.delta.content ?? ""}${(ch.delta as { reasoning_content?: string | null }).reasoning_content ?? ""}`).join("");
            if (text === "") continue;
            const now = performance.now();
            if (last === null) ttft = (now - start) / 1000;
            else itl.push((now - last) / 1000);
            last = now;
            chunks++;
        }
        if (ttft === null) return { ttft, itl, completionTokens: 0, error: "the stream carried no generated text" };
        return { ttft, itl, completionTokens: usageTokens ?? chunks, error: null };
    } catch (err) {
        return { ttft, itl, completionTokens: 0, error: describeError(err) };
    }
}

/** `requests` streamed completions, at most `concurrency` in flight. */
export async function runLoad(c: OpenAI, o: LoadOptions): Promise<LoadReport> {
    const timings: RequestTiming[] = [];
    let next = 0;
    const start = performance.now();
    const worker = async () => {
        while (next < o.requests) timings.push(await oneRequest(c, o, next++));
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, o.requests) }, worker));
    const wallSeconds = (performance.now() - start) / 1000;
    return summarize(timings, wallSeconds);
}

export function summarize(timings: RequestTiming[], wallSeconds: number): LoadReport {
    const ok = timings.filter((t) => t.error === null);
    const outputTokens = ok.reduce((s, t) => s + t.completionTokens, 0);
    return {
        requests: timings.length,
        failed: timings.length - ok.length,
        firstError: timings.find((t) => t.error !== null)?.error ?? null,
        wallSeconds,
        outputTokens,
        outputTokensPerSecond: wallSeconds > 0 ? outputTokens / wallSeconds : 0,
        requestsPerSecond: wallSeconds > 0 ? ok.length / wallSeconds : 0,
        ttft: percentiles(ok.map((t) => t.ttft!)),
        itl: percentiles(ok.flatMap((t) => t.itl)),
    };
}

export function formatLoad(r: LoadReport): string[] {
    const ms = (p: Percentiles | null) => (p ? `mean ${(p.mean * 1000).toFixed(1)}  p50 ${(p.p50 * 1000).toFixed(1)}  p90 ${(p.p90 * 1000).toFixed(1)}  p99 ${(p.p99 * 1000).toFixed(1)} ms` : "n/a");
    return [
        `requests      ${r.requests - r.failed}/${r.requests} succeeded in ${r.wallSeconds.toFixed(2)} s (${r.requestsPerSecond.toFixed(2)} req/s)`,
        `throughput    ${r.outputTokensPerSecond.toFixed(1)} output tok/s (${r.outputTokens} tokens)`,
        `TTFT          ${ms(r.ttft)}`,
        `ITL           ${ms(r.itl)}`,
    ];
}
