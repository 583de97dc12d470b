/**
 * @packageDocumentation
 * Sensitive data: secrets of up to 4096 bytes encrypted straight with a CMK (Tencent Encrypt/Decrypt), with
 * EncryptionContext and string helpers.
 */
export { SensitiveData, type SensitiveDataOptions, type SensitiveDataPlaintext } from './sensitive-data.js'
