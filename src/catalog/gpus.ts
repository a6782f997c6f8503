// GPUs that appear in SGLang's DeepSeek requirements table.
// Memory is what the driver reports per GPU (MiB); it drives the memory-fit check in plan/.

export type GpuId = "H200" | "H100" | "H800" | "H20" | "A100" | "A800" | "L40S" | "MI300X";
export type GpuArch = "sm90" | "sm80" | "sm89" | "gfx942";

export interface Gpu {
    id: GpuId;
    vendor: "nvidia" | "amd";
    arch: GpuArch;
    memoryMiB: number;
    /** Hardware FP8 (e4m3) matmul; FP8 checkpoints need it. */
    fp8: boolean;
    /** Hopper: the only family where SGLang turns DeepGEMM on (sglang-facts §3) and FA3 runs. */
    hopper: boolean;
}

//  id        vendor    arch      memoryMiB  fp8    hopper   source
export const GPUS: Record<GpuId, Gpu> = {
    H200:   { id: "H200",   vendor: "nvidia", arch: "sm90",   memoryMiB: 144_384, fp8: true,  hopper: true  }, // cloud-facts §1.1 p5en
    H100:   { id: "H100",   vendor: "nvidia", arch: "sm90",   memoryMiB: 81_920,  fp8: true,  hopper: true  }, // cloud-facts §1.1 p5
    H800:   { id: "H800",   vendor: "nvidia", arch: "sm90",   memoryMiB: 81_920,  fp8: true,  hopper: true  }, // H100 die, 80 GB HBM3 (NVIDIA H800 datasheet)
    H20:    { id: "H20",    vendor: "nvidia", arch: "sm90",   memoryMiB: 98_304,  fp8: true,  hopper: true  }, // 96 GB HBM3 (NVIDIA H20 datasheet); sglang-facts §2.4 puts it in the 90-160 GB bucket
    A100:   { id: "A100",   vendor: "nvidia", arch: "sm80",   memoryMiB: 81_920,  fp8: false, hopper: false }, // 80 GB variant, cloud-facts §1.1 p4de
    A800:   { id: "A800",   vendor: "nvidia", arch: "sm80",   memoryMiB: 81_920,  fp8: false, hopper: false }, // A100 80 GB die for China (NVIDIA A800 datasheet)
    L40S:   { id: "L40S",   vendor: "nvidia", arch: "sm89",   memoryMiB: 45_776,  fp8: true,  hopper: false }, // cloud-facts §1.1 g6e
    MI300X: { id: "MI300X", vendor: "amd",    arch: "gfx942", memoryMiB: 196_608, fp8: true,  hopper: false }, // 192 GB, cloud-facts §3.1 (1,535 GB / 8)
};

export const GPU_IDS = Object.keys(GPUS) as GpuId[];
