// The thinking-budget processor of SGLang's DeepSeek page, referenced the way SGLang's own
// `CustomLogitProcessor.to_str()` sends it: `{"callable": "<hex of dill.dumps(instance)>"}`.
//
// dill pickles an instance of a class that lives in an importable module by reference (module and
// qualified name), so the server-side `dill.loads` imports the class shipped inside SGLang
// (`sglang/srt/sampling/custom_logit_processor.py`, added in sgl-project/sglang#11416) instead of
// running code we send. The bytes are Python pickle protocol 4: the stream `pickle.dumps(obj, 4)`
// writes for an instance with no state (test/acceptance checks it against python3's pickle).

export const THINKING_BUDGET_MODULE = "sglang.srt.sampling.custom_logit_processor";
export const THINKING_BUDGET_CLASS = "DeepSeekR1ThinkingBudgetLogitProcessor";

// Pickle opcodes (CPython Lib/pickle.py).
const PROTO = 0x80, FRAME = 0x95, SHORT_BINUNICODE = 0x8c, MEMOIZE = 0x94, STACK_GLOBAL = 0x93,
    EMPTY_TUPLE = 0x29, NEWOBJ = 0x81, STOP = 0x2e;

function shortUnicode(text: string): number[] {
    const bytes = [...Buffer.from(text, "utf8")];
    if (bytes.length > 255) throw new Error(`pickle: ${text} is too long for SHORT_BINUNICODE`);
    return [SHORT_BINUNICODE, bytes.length, ...bytes, MEMOIZE];
}

/** `pickle.dumps(module.cls(), protocol=4)` for a stateless instance of an importable class. */
export function pickleInstanceByReference(module: string, cls: string): Buffer {
    const body = [...shortUnicode(module), ...shortUnicode(cls), STACK_GLOBAL, MEMOIZE, EMPTY_TUPLE, NEWOBJ, MEMOIZE, STOP];
    const frameLength = Buffer.alloc(8);
    frameLength.writeBigUInt64LE(BigInt(body.length));
    return Buffer.from([PROTO, 4, FRAME, ...frameLength, ...body]);
}

/** The request field `custom_logit_processor` for DeepSeek R1's thinking budget. */
export function thinkingBudgetProcessor(): string {
    return JSON.stringify({ callable: pickleInstanceByReference(THINKING_BUDGET_MODULE, THINKING_BUDGET_CLASS).toString("hex") });
}
