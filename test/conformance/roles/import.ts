import type { RoleSuite } from '../harness.js'
import { importCases } from '../import-cases.js'
import { importExpiryCases } from '../import-expiry-cases.js'

/** KeyImport (BYOK): GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial. */
export const IMPORT_SUITE: RoleSuite = {
  role: 'import',
  title: 'KeyImport role (GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial)',
  areas: { import: importCases, 'import-expiry': importExpiryCases },
}
