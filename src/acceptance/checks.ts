// The seed's own checks (shared/seed/deepseek-usage.md) against a live SGLang server, through the
// official OpenAI client as the users' code talks to it. Each check returns a verdict; none throws.

import OpenAI from "openai";
import { thinkingBudgetProcessor } from "./logit-processor";

export type Verdict = "pass" | "fail" | "skip";

export interface CheckResult {
    /** A check's name, or `server-info` when the server's launch arguments could not be read. */
    name: CheckName | "server-info";
    verdict: Verdict;
    /** What was seen: the evidence for a pass, the reason for a fail or skip. */
    detail: string;
    seconds: number;
}

export const CHECK_NAMES = ["models", "auth", "chat", "tool-call", "tool-call-stream", "reasoning", "reasoning-stream", "thinking-budget"] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One line of `--help` per check: what it asks and what it requires of the answer. */
export const CHECK_DOCS: Record<CheckName, string> = {
    "models": "GET /v1/models with the key lists the served model (its id names the model for the other checks)",
    "auth": "the same call with a wrong key is refused with 401 (SGLang --api-key)",
    "chat": "a chat completion answers with text and token usage",
    "tool-call": "the seed's query_weather request, not streamed: finish_reason tool_calls, one parsed call query_weather({\"city\": \"Qingdao\"}), no raw tool-call tokens in content (--tool-call-parser deepseekv3)",
    "tool-call-stream": "the same request streamed: the argument fragments of the call concatenate to JSON naming Qingdao, the stream ends with finish_reason tool_calls",
    "reasoning": "an R1 question, not streamed: reasoning_content is filled and content carries no <think> tags (--reasoning-parser)",
    "reasoning-stream": "the same streamed: reasoning arrives as delta.reasoning_content, never as tagged content",
    "thinking-budget": "the seed's DeepSeekR1ThinkingBudgetLogitProcessor with custom_params.thinking_budget is accepted and answers; where usage counts reasoning tokens they stay near the budget (--enable-custom-logit-processor)",
};

/** What the server was launched with, as far as the checks care (from SGLang's /get_server_info). */
export interface ServerFeatures {
    toolCallParser: string | null;
    reasoningParser: string | null;
    customLogitProcessor: boolean;
    version: string | null;
}

export interface SmokeOptions {
    /** The stack's `endpoint` output: `http://host:port` (a trailing `/v1` is accepted). */
    endpoint: string;
    apiKey: string;
    /** Served model id; default: the first entry of /v1/models. */
    model?: string;
    /** Per-request timeout in milliseconds. */
    timeoutMs: number;
    /** Which checks to run; null: decide from the server's own launch arguments. */
    only: CheckName[] | null;
    /** Thinking budget in tokens for the thinking-budget check. */
    thinkingBudget: number;
}

export const TOOL_CALL_CHECKS: CheckName[] = ["tool-call", "tool-call-stream"];
export const REASONING_CHECKS: CheckName[] = ["reasoning", "reasoning-stream"];

// The seed's function-calling example, verbatim in meaning.
export const QUERY_WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
    type: "function",
    function: {
        name: "query_weather",
        description: "Get weather of an city, the user should supply a city first",
        parameters: { type: "object", properties: { city: { type: "string", description: "The city, e.g. Beijing" } }, required: ["city"] },
    },
};
const WEATHER_QUESTION = "Hows the weather like in Qingdao today";
const R1_QUESTION = "Question: Is Paris the Capital of France?";
/** DeepSeek's tool-call tokens and R1's think tags: seeing them in `content` means a parser did not run. */
const RAW_TOOL_TOKENS = ["<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>"];
const THINK_TAGS = ["<think>", "</think>"];

export function baseUrl(endpoint: string): string {
    const trimmed = endpoint.replace(/\/+$/, "");
    return trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`;
}

/** The server root (for SGLang's native endpoints next to /v1). */
export function serverRoot(endpoint: string): string {
    return baseUrl(endpoint).replace(/\/v1$/, "");
}

export function client(opts: Pick<SmokeOptions, "endpoint" | "apiKey" | "timeoutMs">): OpenAI {
    // No retries: a smoke test reports the first failure, it does not hide it.
    return new OpenAI({ baseURL: baseUrl(opts.endpoint), apiKey: opts.apiKey, timeout: opts.timeoutMs, maxRetries: 0, fetch: openaiShapedErrors });
}

/**
 * SGLang answers errors with a top-level `{"object": "error", "message": ...}` (its ErrorResponse);
 * the OpenAI client reads only an `error` member and would report "400 status code (no body)".
 * Wrapping the body as `{"error": ...}` lets the client's APIError carry SGLang's message.
 */
export async function openaiShapedErrors(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const res = await fetch(url, init);
    if (res.ok) return res;
    const text = await res.text();
    let body: unknown;
    try { body = JSON.parse(text); } catch { body = undefined; }
    const wrapped = body && typeof body === "object" && !("error" in body) && "message" in body ? JSON.stringify({ error: body }) : text;
    return new Response(wrapped, { status: res.status, statusText: res.statusText, headers: res.headers });
}

class CheckFailure extends Error {}
function expect(ok: unknown, why: string): asserts ok {
    if (!ok) throw new CheckFailure(why);
}
const quote = (s: string, n = 80) => JSON.stringify(s.length > n ? `${s.slice(0, n)}…` : s);

/** A failed request, in the terms the user can act on (status and SGLang's message). */
export function describeError(err: unknown): string {
    if (err instanceof OpenAI.APIError) {
        const body = err.error as { message?: unknown } | undefined;
        const message = typeof body?.message === "string" ? body.message : err.message;
        return err.status ? `HTTP ${err.status}: ${message}` : message;
    }
    if (err instanceof Error) return err.message;
    return String(err);
}

async function timed(name: CheckName, body: () => Promise<string>): Promise<CheckResult> {
    const start = performance.now();
    const seconds = () => (performance.now() - start) / 1000;
    try {
        const detail = await body();
        return { name, verdict: "pass", detail, seconds: seconds() };
    } catch (err) {
        const detail = err instanceof CheckFailure ? err.message : `request failed: ${describeError(err)}`;
        return { name, verdict: "fail", detail, seconds: seconds() };
    }
}
const skip = (name: CheckName, why: string): CheckResult => ({ name, verdict: "skip", detail: why, seconds: 0 });

/** SGLang's launch arguments from `/get_server_info` (`/server_info` on newer releases). */
export async function serverFeatures(c: OpenAI, endpoint: string): Promise<ServerFeatures> {
    let info: Record<string, unknown> | undefined;
    let last: unknown;
    for (const path of ["/get_server_info", "/server_info"]) {
        try {
            info = await c.get<Record<string, unknown>>(`${serverRoot(endpoint)}${path}`);
            break;
        } catch (err) {
            last = err;
        }
    }
    if (!info) throw new Error(`cannot read the server's launch arguments (${describeError(last)}); name the checks with --checks`);
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
    return {
        toolCallParser: str(info["tool_call_parser"]),
        reasoningParser: str(info["reasoning_parser"]),
        customLogitProcessor: info["enable_custom_logit_processor"] === true,
        version: str(info["version"]),
    };
}

/** The checks a server launched with `features` must pass, and why the others are skipped. */
export function applicableChecks(features: ServerFeatures): { run: CheckName[]; skipped: Partial<Record<CheckName, string>> } {
    const skipped: Partial<Record<CheckName, string>> = {};
    if (!features.toolCallParser) for (const n of TOOL_CALL_CHECKS) skipped[n] = "the server runs without --tool-call-parser";
    if (!features.reasoningParser) for (const n of REASONING_CHECKS) skipped[n] = "the server runs without --reasoning-parser";
    if (!features.customLogitProcessor) skipped["thinking-budget"] = "the server runs without --enable-custom-logit-processor";
    return { run: CHECK_NAMES.filter((n) => !(n in skipped)), skipped };
}

type Body = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type StreamBody = OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming;
/** SGLang's extensions of the chat request (openai_api/protocol.py); the client passes unknown keys through. */
interface SglangExtras {
    separate_reasoning?: boolean;
    stream_reasoning?: boolean;
    custom_logit_processor?: string;
    custom_params?: Record<string, unknown>;
}
/** SGLang's message adds `reasoning_content` to OpenAI's. */
type WithReasoning<T> = T & { reasoning_content?: string | null };

function weatherRequest(model: string): Body {
    return { model, temperature: 0, max_tokens: 100, tools: [QUERY_WEATHER_TOOL], messages: [{ role: "user", content: WEATHER_QUESTION }] };
}

/** The call the seed expects: query_weather with a JSON object whose city is Qingdao. */
export function checkWeatherCall(name: string | null | undefined, args: string): string {
    expect(name === "query_weather", `tool call names ${JSON.stringify(name ?? null)}, expected "query_weather"`);
    let parsed: unknown;
    try {
        parsed = JSON.parse(args);
    } catch {
        throw new CheckFailure(`tool call arguments are not JSON: ${quote(args)}`);
    }
    expect(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed), `tool call arguments are not a JSON object: ${quote(args)}`);
    const city = (parsed as Record<string, unknown>)["city"];
    expect(typeof city === "string" && /qingdao/i.test(city), `tool call arguments ${quote(args)} do not name the city Qingdao`);
    return `query_weather(${args})`;
}

function noneOf(text: string, tokens: string[], what: string): void {
    const found = tokens.find((t) => text.includes(t));
    expect(found === undefined, `${what} holds ${found} (${quote(text)}): the server's parser did not run`);
}

export class SmokeRun {
    readonly client: OpenAI;
    model = "";

    constructor(readonly opts: SmokeOptions) {
        this.client = client(opts);
    }

    async run(name: CheckName): Promise<CheckResult> {
        const body = (this as unknown as Record<CheckName, () => Promise<string>>)[name];
        return timed(name, () => body.call(this));
    }

    async models(): Promise<string> {
        const list = await this.client.models.list();
        const ids = list.data.map((m) => m.id);
        expect(ids.length > 0, "/v1/models lists no model");
        if (this.opts.model) expect(ids.includes(this.opts.model), `/v1/models lists ${ids.join(", ")}, not --model ${this.opts.model}`);
        this.model = this.opts.model ?? ids[0]!;
        return `serves ${ids.join(", ")}`;
    }

    async auth(): Promise<string> {
        const wrong = client({ ...this.opts, apiKey: `wrong-${this.opts.apiKey.length}-smoke` });
        try {
            await wrong.models.list();
        } catch (err) {
            expect(err instanceof OpenAI.APIError && err.status === 401, `a wrong key got ${describeError(err)}, expected HTTP 401`);
            return "a wrong key is refused with 401";
        }
        throw new CheckFailure("/v1/models answered a wrong API key: the endpoint is not protected by --api-key");
    }

    async chat(): Promise<string> {
        const r = await this.client.chat.completions.create({
            model: this.model, temperature: 0, max_tokens: 64,
            messages: [{ role: "user", content: "What is the capital of France? Answer in one word." }],
        });
        const choice = r.choices[0];
        expect(choice, "the completion has no choices");
        const message = choice.message as WithReasoning<typeof choice.message>;
        const text = message.content ?? "";
        // An R1 server with a reasoning parser may still be thinking at 64 tokens: reasoning counts as an answer.
        expect(text.trim() !== "" || (message.reasoning_content ?? "").trim() !== "", "the completion has no content");
        expect(r.usage && r.usage.completion_tokens > 0, "the completion reports no completion tokens in usage");
        expect(choice.finish_reason === "stop" || choice.finish_reason === "length", `finish_reason is ${JSON.stringify(choice.finish_reason)}`);
        return `${r.usage.completion_tokens} tokens: ${quote(text.trim() || (message.reasoning_content ?? "").trim(), 40)}`;
    }

    async ["tool-call"](): Promise<string> {
        const r = await this.client.chat.completions.create(weatherRequest(this.model));
        const choice = r.choices[0];
        expect(choice, "the completion has no choices");
        noneOf(choice.message.content ?? "", RAW_TOOL_TOKENS, "content");
        const calls = choice.message.tool_calls ?? [];
        expect(calls.length === 1, `the answer has ${calls.length} tool calls, expected 1 (content: ${quote(choice.message.content ?? "")})`);
        const call = calls[0]!;
        expect(call.type === "function", `the tool call has type ${JSON.stringify(call.type)}`);
        const shown = checkWeatherCall(call.function.name, call.function.arguments);
        expect(choice.finish_reason === "tool_calls", `finish_reason is ${JSON.stringify(choice.finish_reason)}, expected "tool_calls"`);
        return shown;
    }

    async ["tool-call-stream"](): Promise<string> {
        const stream = await this.client.chat.completions.create({ ...weatherRequest(this.model), stream: true } satisfies StreamBody);
        // The client concatenates the argument fragments of each call by its index (the seed's note).
        const calls = new Map<number, { name: string | null; args: string }>();
        let content = "";
        let finish: string | null = null;
        let chunks = 0;
        for await (const chunk of stream) {
            chunks++;
            for (const choice of chunk.choices) {
                content += choice.delta.content ?? "";
                for (const part of choice.delta.tool_calls ?? []) {
                    const call = calls.get(part.index ?? 0) ?? { name: null, args: "" };
                    call.name = part.function?.name || call.name;
                    call.args += part.function?.arguments ?? "";
                    calls.set(part.index ?? 0, call);
                }
                finish = choice.finish_reason ?? finish;
            }
        }
        noneOf(content, RAW_TOOL_TOKENS, "streamed content");
        expect(calls.size === 1, `the stream carried ${calls.size} tool calls, expected 1 (content: ${quote(content)})`);
        const call = [...calls.values()][0]!;
        const shown = checkWeatherCall(call.name, call.args);
        expect(finish === "tool_calls", `the stream ended with finish_reason ${JSON.stringify(finish)}, expected "tool_calls"`);
        return `${shown} from ${chunks} chunks`;
    }

    async reasoning(): Promise<string> {
        const body: Body & SglangExtras = { model: this.model, max_tokens: 512, messages: [{ role: "user", content: R1_QUESTION }], separate_reasoning: true };
        const r = await this.client.chat.completions.create(body);
        const message = r.choices[0]?.message as WithReasoning<OpenAI.Chat.Completions.ChatCompletionMessage> | undefined;
        expect(message, "the completion has no choices");
        const reasoning = message.reasoning_content ?? "";
        noneOf(message.content ?? "", THINK_TAGS, "content");
        expect(reasoning.trim() !== "", `reasoning_content is empty (content: ${quote(message.content ?? "")}): the reasoning was not separated`);
        return `${reasoning.length} chars of reasoning, ${(message.content ?? "").length} of answer`;
    }

    async ["reasoning-stream"](): Promise<string> {
        const body: StreamBody & SglangExtras = {
            model: this.model, max_tokens: 512, messages: [{ role: "user", content: R1_QUESTION }], stream: true, separate_reasoning: true, stream_reasoning: true,
        };
        const stream = await this.client.chat.completions.create(body);
        let reasoning = "";
        let content = "";
        for await (const chunk of stream) {
            for (const choice of chunk.choices) {
                const delta = choice.delta as WithReasoning<typeof choice.delta>;
                reasoning += delta.reasoning_content ?? "";
                content += delta.content ?? "";
            }
        }
        noneOf(content, THINK_TAGS, "streamed content");
        expect(reasoning.trim() !== "", `no delta.reasoning_content arrived (content: ${quote(content)}): the reasoning was not separated`);
        return `${reasoning.length} chars of streamed reasoning, ${content.length} of answer`;
    }

    async ["thinking-budget"](): Promise<string> {
        const budget = this.opts.thinkingBudget;
        const body: Body & SglangExtras = {
            model: this.model, max_tokens: budget + 256, messages: [{ role: "user", content: R1_QUESTION }],
            custom_logit_processor: thinkingBudgetProcessor(), custom_params: { thinking_budget: budget },
        };
        const r = await this.client.chat.completions.create(body);
        const choice = r.choices[0];
        expect(choice, "the completion has no choices");
        const message = choice.message as WithReasoning<typeof choice.message>;
        expect(`${message.content ?? ""}${message.reasoning_content ?? ""}`.trim() !== "", "the completion has no content");
        const details = r.usage?.completion_tokens_details as { reasoning_tokens?: number } | undefined;
        const used = details?.reasoning_tokens ?? (r.usage as { reasoning_tokens?: number } | undefined)?.reasoning_tokens;
        // The processor forces a newline, then </think>, once the budget is reached: two tokens of slack.
        if (typeof used === "number" && used > 0) {
            expect(used <= budget + 2, `reasoning used ${used} tokens with thinking_budget ${budget}: the processor did not end the thinking`);
            return `accepted; ${used} reasoning tokens within the budget of ${budget}`;
        }
        return `accepted with thinking_budget ${budget}`;
    }
}

/**
 * Runs the checks in order. `models` comes first (it names the model for the rest); when it fails,
 * the later checks cannot ask anything and are reported as failed behind it.
 */
export async function runChecks(opts: SmokeOptions): Promise<CheckResult[]> {
    const smoke = new SmokeRun(opts);
    const results: CheckResult[] = [];
    let selected: CheckName[];
    let skipped: Partial<Record<CheckName, string>> = {};
    if (opts.only) {
        selected = CHECK_NAMES.filter((n) => n === "models" || opts.only!.includes(n));
    } else {
        try {
            ({ run: selected, skipped } = applicableChecks(await serverFeatures(smoke.client, opts.endpoint)));
        } catch (err) {
            return [{ name: "server-info", verdict: "fail", detail: describeError(err), seconds: 0 }];
        }
    }
    for (const name of CHECK_NAMES) {
        if (skipped[name]) results.push(skip(name, skipped[name]));
        else if (!selected.includes(name)) continue;
        else if (name !== "models" && results[0]?.verdict === "fail") results.push({ name, verdict: "fail", detail: "not run: the models check failed", seconds: 0 });
        else results.push(await smoke.run(name));
    }
    return results;
}
