/** One parameter of a KMS API request model (or of a structure that a request nests). */
export interface ApiField {
  readonly name: string
  /** `string`, `integer`, `boolean`, or the name of a structure in KMS_STRUCT_MODELS. */
  readonly type: string
  /** A list of `type` (JSON array; tccli: `--Name '["a","b"]'` or `--Name.0 a`). */
  readonly list: boolean
  readonly required: boolean
  /** The SDK's description, first sentence, one line. */
  readonly description: string
}
