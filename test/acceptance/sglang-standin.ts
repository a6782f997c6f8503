// A loopback stand-in for SGLang's OpenAI-compatible server, answering with SGLang's response shapes
// (srt/entrypoints/openai/protocol.py and serving_chat.py; docs/sources.md): the model "writes"
// DeepSeek's raw text (tool-call tokens, R1's `</think>`), and the server's parsers turn it into
// tool_calls and reasoning_content only when it was "launched" with them, as SGLang does. Faults
// break one behaviour each, so the smoke test must notice.

import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface StandinLaunch {
    apiKey: string;
    model: string;
    toolCallParser: string | null;
    reasoningParser: string | null;
    customLogitProcessor: boolean;
}

export type Fault =
    | "no-auth"                // any key is accepted
    | "no-server-info"         // /get_server_info and /server_info answer 404
    | "empty-chat"             // the completion has no text and no usage
    | "tool-args-truncated"    // the model's arguments lose their closing brace
    | "tool-wrong-city"        // the model asks for Beijing
    | "stream-finish-stop"     // the streamed tool call ends with finish_reason "stop"
    | "reasoning-leak"         // the reasoning parser does not split (say, the wrong one is configured): </think> stays in content
    | "processor-refused"      // custom logit processors are refused despite the launch flag
    | "over-budget"            // usage reports more reasoning tokens than the budget
    | "load-errors";           // every third plain streamed request fails with 500

const TOOL_MODEL_TEXT = (city: string, closing: string) =>
    `<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>query_weather\n\`\`\`json\n{"city": "${city}"${closing}\n\`\`\`<｜tool▁call▁end｜><｜tool▁calls▁end｜>`;
const R1_MODEL_TEXT = "Okay, the user asks whether Paris is the capital of France. It is.\n</think>\n\nYes, Paris is the capital of France.";
const PLAIN_TEXT = "Paris. It is the capital and the largest city of France.";
const PICKLE_CLASS = Buffer.from("DeepSeekR1ThinkingBudgetLogitProcessor");

interface Parsed { content: string | null; reasoning: string | null; call: { name: string; args: string } | null }

/** DeepSeek V3's tool-call detector: `function<｜tool▁sep｜>NAME\n```json\nARGS\n```` between the call tokens. */
function detectToolCall(text: string): Parsed["call"] {
    const m = /<｜tool▁call▁begin｜>function<｜tool▁sep｜>([^\n]+)\n```json\n([\s\S]*?)\n```<｜tool▁call▁end｜>/.exec(text);
    return m ? { name: m[1]!, args: m[2]! } : null;
}

export class SglangStandin {
    private server: http.Server;
    private plainStreams = 0;
    readonly requests: { path: string; body: Record<string, unknown> | null }[] = [];
    url = "";

    constructor(readonly launch: StandinLaunch, readonly faults: Set<Fault> = new Set()) {
        this.server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => this.handle(req, res, Buffer.concat(chunks).toString("utf8")));
        });
    }

    async start(): Promise<this> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this;
    }

    async stop(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private json(res: http.ServerResponse, status: number, body: unknown): void {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
    }

    private error(res: http.ServerResponse, status: number, message: string): void {
        // SGLang's ErrorResponse (serving_base.create_error_response).
        this.json(res, status, { object: "error", message, type: status === 400 ? "BadRequest" : "InternalServerError", param: null, code: status });
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
        const path = (req.url ?? "/").split("?")[0]!;
        let body: Record<string, unknown> | null = null;
        try { body = raw ? JSON.parse(raw) : null; } catch { return this.error(res, 400, "invalid JSON"); }
        this.requests.push({ path, body });
        // add_api_key_middleware: everything but /health* and /metrics* needs the bearer key.
        const authorized = this.faults.has("no-auth") || req.headers.authorization === `Bearer ${this.launch.apiKey}`;
        if (!path.startsWith("/health") && !authorized) return this.json(res, 401, { error: "Unauthorized" });
        if (req.method === "GET" && path === "/v1/models") {
            return this.json(res, 200, { object: "list", data: [{ id: this.launch.model, object: "model", created: 1745993638, owned_by: "sglang", root: this.launch.model, max_model_len: 163840 }] });
        }
        if (req.method === "GET" && (path === "/get_server_info" || path === "/server_info")) {
            if (this.faults.has("no-server-info")) return this.json(res, 404, { detail: "Not Found" });
            return this.json(res, 200, {
                model_path: this.launch.model, tp_size: 8, tool_call_parser: this.launch.toolCallParser, reasoning_parser: this.launch.reasoningParser,
                enable_custom_logit_processor: this.launch.customLogitProcessor, version: "0.5.15", internal_states: [{}],
            });
        }
        if (req.method === "POST" && path === "/v1/chat/completions" && body) return this.chat(res, body);
        this.json(res, 404, { detail: "Not Found" });
    }

    private modelText(body: Record<string, unknown>): string {
        const messages = body["messages"] as { content: string }[];
        const question = messages[messages.length - 1]!.content;
        if (Array.isArray(body["tools"]) && /weather/i.test(question)) {
            return TOOL_MODEL_TEXT(this.faults.has("tool-wrong-city") ? "Beijing" : "Qingdao", this.faults.has("tool-args-truncated") ? "" : "}");
        }
        if (/Paris the Capital/.test(question)) return R1_MODEL_TEXT;
        return PLAIN_TEXT;
    }

    /** What SGLang's parsers make of the raw text, given the launch flags and the request. */
    private parse(text: string, body: Record<string, unknown>): Parsed {
        let content: string | null = text;
        let reasoning: string | null = null;
        if (this.launch.reasoningParser && body["separate_reasoning"] !== false && !this.faults.has("reasoning-leak")) {
            // DeepSeekR1Detector: force_reasoning, so text up to </think> is reasoning even without <think>.
            const end = text.indexOf("</think>");
            if (end >= 0) {
                reasoning = text.slice(0, end).replace(/^<think>/, "");
                content = text.slice(end + "</think>".length).trim();
            }
        }
        let call: Parsed["call"] = null;
        if (this.launch.toolCallParser && Array.isArray(body["tools"]) && body["tool_choice"] !== "none") {
            call = detectToolCall(text);
            if (call) content = null;
        }
        return { content, reasoning, call };
    }

    private chat(res: http.ServerResponse, body: Record<string, unknown>): void {
        if (body["custom_logit_processor"] !== undefined) {
            if (!this.launch.customLogitProcessor || this.faults.has("processor-refused")) {
                return this.error(res, 400, "The server is not configured to enable custom logit processor. Please set `--enable-custom-logit-processor` to enable this feature.");
            }
            let pickled: Buffer;
            try { pickled = Buffer.from((JSON.parse(String(body["custom_logit_processor"])) as { callable: string }).callable, "hex"); } catch { return this.error(res, 400, "custom_logit_processor is not CustomLogitProcessor.to_str() output"); }
            if (pickled[0] !== 0x80 || !pickled.includes(PICKLE_CLASS)) return this.error(res, 500, "could not unpickle the custom logit processor");
        }
        const stream = body["stream"] === true;
        if (stream && !body["tools"] && this.faults.has("load-errors") && ++this.plainStreams % 3 === 0) return this.error(res, 500, "scheduler died");
        const parsed = this.parse(this.modelText(body), body);
        const budget = (body["custom_params"] as { thinking_budget?: number } | undefined)?.thinking_budget;
        const reasoningTokens = parsed.reasoning ? (budget !== undefined ? (this.faults.has("over-budget") ? budget * 4 : budget) : 20) : 0;
        const empty = this.faults.has("empty-chat") && !body["tools"] && !parsed.reasoning;
        const usage = { prompt_tokens: 16, completion_tokens: empty ? 0 : 12 + reasoningTokens, total_tokens: 28 + reasoningTokens, prompt_tokens_details: null, reasoning_tokens: reasoningTokens };
        const finish = parsed.call ? "tool_calls" : "stop";
        const id = "6501ef8e2d874006bf555bc80cddc7c5";
        const model = String(body["model"]);
        if (!stream) {
            const message = {
                role: "assistant", content: empty ? "" : parsed.content, reasoning_content: parsed.reasoning,
                tool_calls: parsed.call ? [{ id: "call_a1b2c3", index: 0, type: "function", function: { name: parsed.call.name, arguments: parsed.call.args } }] : null,
            };
            return this.json(res, 200, { id, object: "chat.completion", created: 1745993638, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finish, matched_stop: parsed.call ? null : 1 }], usage });
        }
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => {
            const c = { id, object: "chat.completion.chunk", created: 1745993638, model, choices: [{ index: 0, delta: { role: null, content: null, reasoning_content: null, tool_calls: null, ...delta }, logprobs: null, finish_reason: finishReason, matched_stop: null }], usage: null };
            res.write(`data: ${JSON.stringify(c)}\n\n`);
        };
        chunk({ role: "assistant", content: "" });
        for (const piece of split(parsed.reasoning ?? "")) chunk({ reasoning_content: piece });
        if (parsed.call) {
            // First the name with empty arguments, then argument fragments (the seed's streamed example).
            chunk({ tool_calls: [{ id: "call_a1b2c3", index: 0, type: "function", function: { name: parsed.call.name, arguments: "" } }] });
            for (const piece of ['{"', "city", '": "', ...split(parsed.call.args.slice(10))]) {
                chunk({ tool_calls: [{ id: null, index: 0, type: "function", function: { name: null, arguments: piece } }] });
            }
        }
        for (const piece of split(parsed.content ?? "")) chunk({ content: piece });
        chunk({}, parsed.call && !this.faults.has("stream-finish-stop") ? "tool_calls" : "stop");
        if ((body["stream_options"] as { include_usage?: boolean } | undefined)?.include_usage) {
            res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1745993638, model, choices: [], usage })}\n\n`);
        }
        res.end("data: [DONE]\n\n");
    }
}

function split(text: string): string[] {
    return text.match(/[\s\S]{1,4}/g) ?? [];
}
