/**
 * The box-drawing of tccli's `--output table` (tccli/table.py `MultiTable`, from the AWS CLI): sections with a
 * centred title, optional header row and left-aligned rows, nested sections indented with `|`, scaled to the widest.
 */

/** One titled block of rows. */
export class Section {
  title = ''
  headers: string[] = []
  rows: string[][] = []
  indentLevel = 0
  #maxWidths: number[] = []

  addHeader(headers: string[]): void {
    this.#update(headers)
    this.headers = headers
  }

  addRow(row: string[]): void {
    this.rows.push(row)
    this.#update(row)
  }

  #update(row: string[]): void {
    if (this.#maxWidths.length === 0) this.#maxWidths = row.map((c) => c.length)
    else row.forEach((c, i) => (this.#maxWidths[i] = Math.max(c.length, this.#maxWidths[i] ?? 0)))
  }

  /** Column widths (content + padding), scaled so they sum to `maxWidth` when given. */
  columnWidths(padding = 0, maxWidth?: number): number[] {
    const unscaled = this.#maxWidths.map((w) => w + padding)
    if (maxWidth === undefined || unscaled.length === 0) return unscaled
    const factor = maxWidth / unscaled.reduce((a, b) => a + b, 0)
    const scaled = unscaled.map((w) => roundHalfEven(factor * w))
    let offBy = scaled.reduce((a, b) => a + b, 0) - maxWidth
    while (offBy !== 0) {
      const order = [...scaled.keys()]
      if (offBy < 0) order.reverse()
      for (const i of order) {
        scaled[i] = (scaled[i] as number) + (offBy > 0 ? -1 : 1)
        offBy += offBy > 0 ? -1 : 1
        if (offBy === 0) break
      }
    }
    return scaled
  }

  totalWidth(padding: number, outerPadding: number): number {
    const total = this.columnWidths().reduce((a, w) => a + w + padding, 0) + 2 + 2 * outerPadding
    return Math.max(this.title.length + 2 + 2 * outerPadding, total)
  }
}

/** Python 3's round(): halves to even, as the column scaling of tccli rounds. */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** tccli's center_text: the text centred between two edges in exactly `length` characters. */
function centre(text: string, length: number, leftEdge = '|', rightEdge = '|'): string {
  const start = Math.floor(length / 2) - Math.floor(text.length / 2) - 1
  const right = length - rightEdge.length - (leftEdge.length + start + text.length)
  return `${leftEdge}${' '.repeat(Math.max(0, start))}${text}${' '.repeat(Math.max(0, right))}${rightEdge}`
}

function alignLeft(text: string, length: number, leftEdge: string): string {
  const padding = length - (text.length + 2 + leftEdge.length + 1) >= 0 ? 2 : 0
  const left = `${leftEdge}${' '.repeat(padding)}${text}`
  return `${left}${' '.repeat(Math.max(0, length - left.length - 1))}|`
}

function lineBreak(widths: number[]): string {
  return `${widths.map((w, i) => (i === 0 ? `+${'-'.repeat(w - 2)}+` : `${'-'.repeat(w - 1)}+`)).join('')}\n`
}

function centreCells(cells: string[], widths: number[]): string {
  return cells.map((c, i) => centre(c, widths[i] as number, i === 0 ? '|' : '')).join('')
}

/** Any single-row section with headers becomes header/value rows, for tables wider than the terminal. */
function toVertical(sections: Section[]): void {
  sections.forEach((s, i) => {
    if (s.rows.length !== 1 || s.headers.length === 0) return
    const v = new Section()
    v.title = s.title
    v.indentLevel = s.indentLevel
    s.headers.forEach((h, j) => v.addRow([h, s.rows[0]?.[j] ?? '']))
    sections[i] = v
  })
}

/** Renders `sections` as tccli does for a terminal `terminalWidth` columns wide (80 when not a terminal). */
export function renderSections(sections: Section[], terminalWidth: number): string {
  const widest = (): number => Math.max(...sections.map((s) => s.totalWidth(4, s.indentLevel)))
  let max = widest()
  if (max > terminalWidth) {
    toVertical(sections)
    max = widest()
  }
  let out = `${'-'.repeat(max)}\n`
  for (const s of sections) {
    const lines: string[] = []
    const width = max - s.indentLevel * 2
    if (s.title) {
      lines.push(`${centre(s.title, width)}\n`)
      if (s.headers.length === 0 && s.rows.length === 0) lines.push(`+${'-'.repeat(width - 2)}+\n`)
    }
    const widths = s.columnWidths(4, width)
    if (s.headers.length) lines.push(lineBreak(widths), `${centreCells(s.headers, widths)}\n`)
    if (s.rows.length && widths.length) {
      lines.push(lineBreak(widths))
      for (const row of s.rows)
        lines.push(`${row.map((c, i) => alignLeft(c, widths[i] as number, i === 0 ? '|' : '')).join('')}\n`)
      lines.push(lineBreak(widths))
    }
    const bar = '|'.repeat(s.indentLevel)
    out += lines.map((l) => (l.endsWith('\n') ? `${bar}${l.slice(0, -1)}${bar}\n` : `${bar}${l}`)).join('')
  }
  return out
}
