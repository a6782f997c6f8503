// What an SGLang image needs from the host it runs on: the NVIDIA driver its CUDA was released with,
// or the AMD architecture its ROCm build targets. Read from the image tag, whose suffix names them
// (release-docker.yml: -cu124, -cu129, -cu130; release-docker-amd.yml: -rocm630, -rocm700-mi30x,
// -rocm720-mi30x). Sources: docs/sources.md, "GPU drivers and image builds".

/**
 * Least Linux x86_64 driver of each CUDA toolkit GA release (NVIDIA CUDA Toolkit release notes,
 * "CUDA Toolkit and Corresponding Driver Versions"). The image's CUDA is its tag's -cuNNN suffix.
 */
//  cuda    least driver
export const CUDA_MIN_DRIVER: Record<string, string> = {
    "12.4": "550.54.14",
    "12.6": "560.28.03",
    "12.8": "570.26",
    "12.9": "575.51.03",
    "13.0": "580.65.06",
};

/** `lmsysorg/sglang:v0.5.15-cu130` -> "13.0"; null when the tag names no CUDA build. */
export function cudaOfImage(image: string): string | null {
    const m = /-cu(\d{2})(\d)(?:$|-)/.exec(image.split(":")[1] ?? "");
    return m ? `${Number(m[1])}.${m[2]}` : null;
}

/** The least NVIDIA driver the image runs on, or null when its CUDA is not in the table. */
export function minNvidiaDriver(image: string): string | null {
    const cuda = cudaOfImage(image);
    return cuda ? CUDA_MIN_DRIVER[cuda] ?? null : null;
}

/**
 * AMD architecture a ROCm image is built for: `-mi30x` images are gfx942 (MI300X/MI325X), `-mi35x`
 * gfx950 (release-docker-amd.yml's matrix); the older `-rocm630` tags were built for gfx942 only
 * (Dockerfile.rocm at v0.4.6.post5: GPU_ARCHS=gfx942). Null when the tag says nothing.
 */
export function gfxOfImage(image: string): string | null {
    const tag = image.split(":")[1] ?? "";
    if (/-mi30x(?:$|-)/.test(tag)) return "gfx942";
    if (/-mi35x(?:$|-)/.test(tag)) return "gfx950";
    if (/-rocm630(?:$|-)/.test(tag)) return "gfx942";
    return null;
}
