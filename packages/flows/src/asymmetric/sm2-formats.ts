/**
 * SM2 ciphertext and signature format conversions, re-exported from @keyward/gm (one implementation): ASN.1 /
 * raw C1C3C2 / C1C2C3 ciphertexts (Tencent and OpenSSL use ASN.1 C1C3C2; sm-crypto raw C1C3C2 without 04;
 * older GmSSL and bc-java raw C1C2C3) and DER / raw r‖s signatures.
 */
export {
  convertSm2Ciphertext,
  detectSm2CiphertextForm,
  signatureDerToRaw,
  signatureRawToDer,
  type Sm2CiphertextForm,
  type Sm2CiphertextOrder,
  type Sm2CiphertextEncoding,
} from '@keyward/gm'
