// The two extracted SGLang flag sets, and small argv builders shared by the argparse tests.

import type { FlagSpec } from "../../src/catalog/releases";
import v046Json from "../../src/catalog/sglang-flags/v0.4.6.post5.json";
import latestJson from "../../src/catalog/sglang-flags/main-2026-07-20.json";

export const V046 = v046Json.flags as FlagSpec[];
export const LATEST = latestJson.flags as FlagSpec[];
export const FLAG_SETS = { "v0.4.6.post5": V046, "main-2026-07-20": LATEST } as const;

export const LAUNCH = ["python3", "-m", "sglang.launch_server"];
export const PRECOMPILE = ["python3", "-m", "sglang.compile_deep_gemm"];
export const MODEL = ["--model-path", "deepseek-ai/DeepSeek-V3"];

/** A launch_server argv with the required --model-path and then `rest`. */
export function launch(...rest: string[]): string[] {
    return [...LAUNCH, ...MODEL, ...rest];
}

/** Splits a shell-like one-line command on spaces (the seed's recipes have no quoting). */
export function words(command: string): string[] {
    return command.trim().split(/\s+/);
}
