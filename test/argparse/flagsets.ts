// SGLang flag sets the argparse tests run over, and small argv builders shared by the argparse tests.

import type { FlagSpec } from "../../src/catalog/releases";
import v046Json from "../../src/catalog/sglang-flags/v0.4.6.post5.json";
import v0518Json from "../../src/catalog/sglang-flags/v0.5.18.json";
import v0523Json from "../../src/catalog/sglang-flags/v0.5.23.json";

export const V046 = v046Json.flags as FlagSpec[];
/** The hand-written cases name v0.5.18's flags (--cuda-graph-max-bs as a deprecated alias, ...). */
export const LATEST = v0518Json.flags as FlagSpec[];
export const NEWEST = v0523Json.flags as FlagSpec[];
export const FLAG_SETS = { "v0.4.6.post5": V046, "v0.5.18": LATEST, "v0.5.23": NEWEST } as const;

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
