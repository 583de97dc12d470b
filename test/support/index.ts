/**
 * Helpers shared by the test suites: temp dirs, external binaries that must be present (failing loudly with the
 * install command, never skipping), and running them.
 */
export { requireBinary, run, tempDir, tryRun } from './binaries.js'
export { TOKEN_KINDS, type CapabilityFloor, type TestToken, type TokenKind } from './test-token.js'
export { createTestToken } from './test-tokens.js'
export { codeOf, expectCode, NO_ERROR, type Call } from './expect-code.js'
export { KEY_PROVIDER_METHODS, expectOneClassProvider, expectRefusedAsCoreChecks } from './provider-shape.js'
export { destroyObjectsOf, objectsWithIdPrefix, withTokenSession } from './token-session.js'
export {
  loadWycheproof,
  hexField,
  VECTORS_DIR,
  type WycheproofFile,
  type WycheproofGroup,
  type WycheproofTest,
} from '../vectors/wycheproof.js'
