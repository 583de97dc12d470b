import { createRequire } from 'node:module'
import { UsageError } from '../../cli-error.js'
import { formatTable } from './table-output.js'
import { formatText } from './text-output.js'

/** The output formats of tccli's `--output`. */
export type OutputFormat = 'json' | 'text' | 'table'

/** A compiled `--filter`: applies a JMESPath expression to a response. */
export type ResponseFilter = (response: unknown) => unknown

interface JmesPath {
  search(data: unknown, expression: string): unknown
  compile(expression: string): unknown
}

/**
 * Compiles `--filter` with the jmespath library (the JavaScript twin of the Python package tccli uses), before
 * anything is sent: a syntax error is a command line that does not parse.
 */
export function compileFilter(expression: string): ResponseFilter {
  // Loaded only when a filter is given: most invocations never pay for it.
  const jmespath = createRequire(import.meta.url)('jmespath') as JmesPath
  try {
    jmespath.compile(expression)
  } catch (e) {
    throw new UsageError(
      'InvalidParameterValue',
      `--filter ${JSON.stringify(expression)} is not a JMESPath expression: ${(e as Error).message}`,
    )
  }
  return (response) => jmespath.search(response, expression)
}

/**
 * Formats a response model (no `{"Response": ...}` wrapper) as tccli prints it: JSON with 4-space indentation and
 * unescaped Unicode, tab-separated text, or boxed tables. A filter result of null prints nothing in json and table,
 * `None` in text — as tccli.
 *
 * @example
 * ```ts
 * formatResponse({ KeyId: 'k', RequestId: 'r' }, 'text') // 'k\tr\n'
 * ```
 */
export function formatResponse(value: unknown, format: OutputFormat, terminalWidth = 80): string {
  if (format === 'text') return formatText(value)
  if (format === 'table') return formatTable(value, terminalWidth)
  return value === null || value === undefined ? '' : `${JSON.stringify(value, null, 4)}\n`
}
