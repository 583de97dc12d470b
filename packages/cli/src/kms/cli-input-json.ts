import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { UsageError } from '../cli-error.js'
import type { Json } from './request-params.js'

/**
 * `--cli-input-json`: the request as JSON, inline or `file://path` (tccli takes only the file form; keyward takes
 * both, and `~` in the path as tccli expands it). Must be a JSON object; its names are checked against the model
 * with the command-line parameters.
 *
 * @example
 * ```ts
 * readCliInputJson('file://req.json') // { KeyId: '...', Plaintext: '...' }
 * ```
 */
export function readCliInputJson(value: string): Record<string, Json> {
  let text = value
  if (value.startsWith('file://')) {
    const path = value.slice('file://'.length).replace(/^~(?=\/|$)/, homedir())
    try {
      text = readFileSync(path, 'utf8')
    } catch (e) {
      throw new UsageError(
        'InvalidParameterValue',
        `--cli-input-json: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      )
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UsageError(
      'InvalidParameterValue',
      '--cli-input-json is not valid JSON (give the JSON itself or file://path).',
    )
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(
      'InvalidParameterValue',
      '--cli-input-json must be a JSON object of request parameters (see --generate-cli-skeleton).',
    )
  }
  return parsed as Record<string, Json>
}
