import { describeOnToken } from './conformance-tokens.js'

// openCryptoki 3.8 swtok (system-wide; pkcsslotd started by the test setup): the whole suite, symmetric keys
// through the AES-CBC + HMAC-SHA256 construction.
describeOnToken('opencryptoki', 'pkcs11 on openCryptoki swtok')
