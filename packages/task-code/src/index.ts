export {
  codeFingerprintNotes,
  taskCodeFingerprint,
  taskCodeFingerprints,
  type TaskCode,
} from "./task-code-fingerprint.js";
export { exportNames, exportsCarrying } from "./module-exports.js";
