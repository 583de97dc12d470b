import { afterAll } from 'vitest'
import { createTestToken } from '@keyward/test-support'
import { byokCases } from './byok-cases.js'
import { providerOnToken } from './helpers.js'

const token = createTestToken('softhsm2')
const provider = providerOnToken(token)
afterAll(async () => {
  await provider.close()
  await token.remove()
})

byokCases(token, () => provider)
