import { ManualClock } from '@keyward/core'
import { describeKeyProvider, FULL_CONTRACT } from '@keyward/conformance'
import { startServe } from './serve-harness.js'

/**
 * The whole conformance suite through TencentKmsKeyProvider → real Tencent SDK → `keyward serve` (loopback)
 * → SoftwareKeyProvider. The server offers both symmetric specs (its KeySpec extension), so the provider is
 * configured with both; against Tencent KMS a region offers one.
 */

describeKeyProvider(
  'tencent-kms → keyward serve (software backend)',
  async () => {
    // The backend's clock drives deletion windows, rotation and expiry; the server keeps the real clock for
    // request signatures (TC3 rejects timestamps more than 300 s off).
    const clock = new ManualClock()
    const serve = await startServe({ clock })
    const provider = serve.provider()
    return {
      provider,
      clock,
      close: async () => {
        await provider.close()
        await serve.close()
      },
    }
  },
  FULL_CONTRACT,
)
