export type { BootHooks } from "./hooks";
export { renderUserData, gzipUserData, encodeUserData, bootFiles, bootSettings, dataRootOf, USER_DATA_LIMIT_BYTES } from "./render";
