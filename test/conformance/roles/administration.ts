import { administrationBadInput } from '../bad-input-cases.js'
import { deletionCases } from '../deletion-cases.js'
import type { RoleSuite } from '../harness.js'
import { lifecycleCases } from '../lifecycle-cases.js'
import { listCases } from '../list-cases.js'
import { rotationCases } from '../rotation-cases.js'

/** KeyAdministration: CreateKey, Describe/List, alias and description, Enable/Disable, archive, deletion, rotation. */
export const ADMINISTRATION_SUITE: RoleSuite = {
  role: 'administration',
  title: 'KeyAdministration role (lifecycle, lists, deletion, rotation)',
  areas: {
    lifecycle: lifecycleCases,
    list: listCases,
    deletion: deletionCases,
    rotation: rotationCases,
    'bad-input': administrationBadInput,
  },
}
