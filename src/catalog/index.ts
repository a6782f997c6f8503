export * from "./gpus";
export * from "./rows";
export * from "./checkpoints";
export * from "./releases";
export * from "./clouds";
export * from "./fabrics";
export * from "./rocm";
