import { capabilityCases } from '../capability-cases.js'
import type { BaseSuite } from '../harness.js'
import { randomCases } from '../random-cases.js'
import { roleCases } from '../role-cases.js'

/**
 * KeyProviderBase, what every provider offers whatever its roles: the capability map (exactly as expected, and
 * everything outside it refused), the roles that follow from it, GenerateRandom. `close` runs last, in the suite.
 */
export const BASE_SUITE: BaseSuite = {
  title: 'KeyProviderBase (capabilities, roles, GenerateRandom)',
  areas: { capabilities: capabilityCases, roles: roleCases, random: randomCases },
}
