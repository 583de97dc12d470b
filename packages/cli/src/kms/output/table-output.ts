import { isObject, isScalar, pythonStr, sortedKeys } from './python-str.js'
import { renderSections, Section } from './table-layout.js'

/** Builds tccli's sections from a response (tccli/format_output.py `TableResult`). */
class TableBuilder {
  readonly sections: Section[] = []
  #current: Section | undefined

  #newSection(title: string, indentLevel: number): void {
    this.#current = new Section()
    this.#current.title = title
    this.#current.indentLevel = indentLevel
    this.sections.push(this.#current)
  }

  #row(cells: unknown[]): void {
    if (!this.#current) this.#newSection('', 0)
    this.#current?.addRow(cells.map(pythonStr))
  }

  build(title: string | undefined, current: unknown, indent = 0): boolean {
    if (current === null || current === undefined) return false
    if (title !== undefined) this.#newSection(title, indent)
    if (Array.isArray(current) && current.length > 0) {
      if (isObject(current[0])) this.#fromList(current, indent, title ?? '')
      else {
        for (const item of current) {
          if (isScalar(item)) this.#row([item])
          else if (Array.isArray(item) && item.every(isScalar)) this.#row(item)
          else this.build(undefined, item)
        }
      }
    } else if (isObject(current)) {
      this.#fromDict(current, indent)
    } else {
      this.#row([current]) // a scalar, or an empty list (printed `[]`, as Python prints it)
    }
    return true
  }

  #fromDict(current: Record<string, unknown>, indent: number): void {
    const [headers, more] = groupKeys(current)
    if (headers.length === 1) this.#row([headers[0], current[headers[0] as string]])
    else if (headers.length) {
      this.#current?.addHeader(headers)
      this.#row(headers.map((k) => current[k]))
    }
    for (const key of more) this.build(key, current[key], indent + 1)
  }

  #fromList(current: unknown[], indent: number, title: string): void {
    const headers = new Set<string>()
    const more = new Set<string>()
    for (const item of current) {
      if (!isObject(item)) continue
      const [h, m] = groupKeys(item)
      h.forEach((k) => headers.add(k))
      m.forEach((k) => more.add(k))
    }
    const hs = sortedKeys(headers)
    const ms = sortedKeys(more)
    this.#current?.addHeader(hs)
    current.forEach((element, i) => {
      const e = isObject(element) ? element : {}
      if (i > 0 && ms.length) {
        this.#newSection(title, indent)
        this.#current?.addHeader(hs)
      }
      this.#current?.addRow(hs.map((h) => (Object.prototype.hasOwnProperty.call(e, h) ? pythonStr(e[h]) : '')))
      for (const key of ms) if (Object.prototype.hasOwnProperty.call(e, key)) this.build(key, e[key], indent + 1)
    })
  }
}

function groupKeys(current: Record<string, unknown>): [string[], string[]] {
  const keys = Object.keys(current)
  return [sortedKeys(keys.filter((k) => isScalar(current[k]))), sortedKeys(keys.filter((k) => !isScalar(current[k])))]
}

/**
 * `--output table`: tccli's table format, titled `action` as tccli titles every response, at `terminalWidth`
 * (tccli measures stdout's terminal, else 80). An empty result prints nothing.
 */
export function formatTable(value: unknown, terminalWidth = 80): string {
  const builder = new TableBuilder()
  if (!builder.build('action', value) || builder.sections.length === 0) return ''
  return renderSections(builder.sections, terminalWidth)
}
