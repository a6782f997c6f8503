import { CLUSTER_KEY } from "../spec/schema";

/** Config path of a field under `deepseek-sglang:cluster`: `at("sglang", "mtp", "topk")`. */
export function at(...keys: (string | number)[]): string {
    return keys.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : `${acc}.${k}`), CLUSTER_KEY);
}
