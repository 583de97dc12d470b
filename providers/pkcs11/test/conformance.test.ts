import { join } from 'node:path'
import { ManualClock, MemoryKeyStore } from '@keyward/core'
import { describeKeyProvider } from '@keyward/conformance'
import { SqliteKeyStore } from '@keyward/provider-software'
import { createTestToken, tempDir } from '@keyward/test-support'
import { providerOnToken } from './helpers.js'

// SOFTHSM2_CONF must point at the throwaway token before the module loads: one token for this file's process.
// The suite runs with the capabilities the provider derives from the token, which must hold SoftHSM's floor.
const token = createTestToken('softhsm2')

describeKeyProvider(
  'pkcs11 on SoftHSM2 (MemoryKeyStore)',
  async () => {
    const clock = new ManualClock()
    const provider = providerOnToken(token, { store: new MemoryKeyStore(), clock })
    return { provider, clock, close: () => provider.close() }
  },
  { floor: token.floor },
)

describeKeyProvider(
  'pkcs11 on SoftHSM2 (SqliteKeyStore)',
  async () => {
    const tmp = tempDir('keyward-pkcs11-conformance-')
    const clock = new ManualClock()
    const provider = providerOnToken(token, { store: SqliteKeyStore.open(join(tmp.dir, 'keys.db')), clock })
    return {
      provider,
      clock,
      close: async () => {
        await provider.close()
        tmp.remove()
        await token.remove()
      },
    }
  },
  { floor: token.floor },
)
