export type { BootHooks } from "./hooks";
export { coldStart, type ColdStart } from "./estimate";
export { renderStagingUserData, stagingFiles, stagingSettings, STAGING_UNIT } from "./staging";
export { renderUserData, gzipUserData, encodeUserData, bootFiles, bootSettings, dataRootOf, USER_DATA_LIMIT_BYTES, USER_DATA_LIMITS, FETCHED_TOOLS, toolFile } from "./render";
