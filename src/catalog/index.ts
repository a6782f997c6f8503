export * from "./gpus.js";
export * from "./rows.js";
export * from "./checkpoints.js";
export * from "./releases.js";
export * from "./clouds.js";
export * from "./fabrics.js";
