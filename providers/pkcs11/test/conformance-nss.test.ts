import { describeOnToken } from './conformance-tokens.js'

// NSS softokn 3.87 loaded directly (libraryParameters name its database): the whole suite.
describeOnToken('nss', 'pkcs11 on NSS softokn')
