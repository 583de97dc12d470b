/**
 * One entry point for the four PKCS#11 test tokens. Module-level environment (SOFTHSM2_CONF, TPM2_PKCS11_*) is
 * set by the builders, so create the token before the first provider of the test process loads the module;
 * vitest runs each test file in its own process.
 *
 * @example
 * ```ts
 * const token = createTestToken('nss')
 * const provider = new Pkcs11KeyProvider({ ...token.options })
 * afterAll(async () => { await provider.close(); await token.remove() })
 * ```
 */
import { nssTestToken } from './nss-token.js'
import { openCryptokiTestToken } from './opencryptoki-token.js'
import { softHsmTestToken } from './softhsm.js'
import { tpm2TestToken } from './tpm2-token.js'
import type { TestToken, TokenKind } from './test-token.js'

const BUILDERS: Record<TokenKind, () => TestToken> = {
  softhsm2: softHsmTestToken,
  nss: nssTestToken,
  opencryptoki: openCryptokiTestToken,
  tpm2: tpm2TestToken,
}

/**
 * A ready token of `kind` (throwaway, or for openCryptoki the shared swtok); fails loudly when its package is missing.
 */
export function createTestToken(kind: TokenKind): TestToken {
  return BUILDERS[kind]()
}
