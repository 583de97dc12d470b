import { ManualClock, MemoryKeyStore } from '@keyward/core'
import { describeKeyProvider, type CaseArea } from '@keyward/conformance'
import { createTestToken, type TokenKind } from '@keyward/test-support'
import { providerOnToken, recordingStore } from './helpers.js'

/**
 * Registers the conformance suite on a PKCS#11 test token of `kind`, with the capability map the provider derives
 * from that token (and the token's known floor asserted). The objects it made are deleted at the end, which
 * matters on the shared openCryptoki token.
 */
export function describeOnToken(kind: TokenKind, title: string, areas?: readonly CaseArea[]): void {
  // Module-level environment (SOFTHSM2_CONF, TPM2_PKCS11_*) must be set before the module loads.
  const token = createTestToken(kind)
  describeKeyProvider(
    title,
    async () => {
      const clock = new ManualClock()
      const keyIds = new Set<string>()
      const provider = providerOnToken(token, { store: recordingStore(new MemoryKeyStore(), keyIds), clock })
      return {
        provider,
        clock,
        close: async () => {
          await provider.close()
          await token.remove(keyIds)
        },
      }
    },
    { floor: token.floor, ...(areas ? { areas } : {}) },
  )
}
