/**
 * @packageDocumentation
 * BYOK (seed 004 "外部密钥导入"): import external key material into any provider — from bytes, a file,
 * GenerateRandom or inside an HSM (C_WrapKey) — and migrate keys between providers through the same wrapped path.
 */
export { ByokImport, type ImportOptions, type NewExternalKey } from './key-import.js'
export { KeyMigration, type MigrateOptions, type MigrationRecord } from './key-migration.js'
export type { KeyMaterialSource, WrapTarget } from './material-source.js'
export { BytesMaterialSource, FileMaterialSource, RandomMaterialSource } from './plaintext-material-sources.js'
export { KeyWrapperMaterialSource, type WrapFunction } from './key-wrapper-material-source.js'
export { wrapKeyMaterial } from './wrap-key-material.js'
