import { describeOnToken } from './conformance-tokens.js'

// tpm2-pkcs11 1.9 on a swtpm simulator behind tpm2-abrmd: the whole suite (asymmetric keys only on this token).
describeOnToken('tpm2', 'pkcs11 on tpm2-pkcs11 (swtpm)')
