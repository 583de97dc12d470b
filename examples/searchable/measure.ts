/**
 * Lookup figures of the example: latency, and the false positives observed against those predicted by the bits
 * planner's formula (rows of other values each match with probability 2⁻ᵇⁱᵗˢ).
 */
import { performance } from 'node:perf_hooks'
import { generateCustomers, prng, randomIdNumber, randomPhone, type Customer } from './customer-data.js'
import type { CustomerStore, LookupResult } from './customer-store.js'

export interface LookupFigures {
  rows: number
  bits: number
  lookups: number
  /** Lookups whose result was not exactly the expected customer (or none, for absent values): must be 0. */
  wrong: number
  /** Rows fetched and decrypted, in all. */
  decryptedRows: number
  latencyMs: { mean: number; p50: number; p95: number; p99: number }
  /**
   * False-positive rows over all lookups: observed; predicted Σ (rows − matches) · 2⁻ᵇⁱᵗˢ; the standard deviation σ
   * of that count for a random key (see {@link falsePositiveSigma}); and z = (observed − predicted) / σ.
   */
  falsePositives: { observed: number; predicted: number; sigma: number; z: number }
  /** Per row of another value: observed vs predicted 2⁻ᵇⁱᵗˢ. */
  rate: { observed: number; predicted: number }
}

/**
 * σ of the false-positive count of `present` lookups of values in a table of `rows` distinct values and `absent`
 * lookups of other values, one `bits`-bit index. Each lookup returns Poisson(λ) other rows, λ = rows · 2⁻ᵇⁱᵗˢ
 * (for a present value, the other rows of its bucket: a size-biased Poisson count minus one is Poisson(λ) again),
 * so the count given the table has variance ≈ expected count. Present lookups also share the table's own
 * collision level, Σ n_b(n_b − 1) / rows over its B = 2^bits buckets (a multinomial: rows fixed), whose variance is
 * (2 + 1/λ) / B — a term in present² that matters when many lookups hit a small table. Checked by simulation
 * (20 000 rows, 11 bits, 400 + 100 lookups: σ 71 from this formula, 73 observed over 300 random tables).
 */
export function falsePositiveSigma(rows: number, bits: number, present: number, absent: number): number {
  const B = 2 ** bits
  const lambda = rows / B
  return Math.sqrt((present + absent) * lambda + present ** 2 * ((2 + 1 / lambda) / B))
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number

/**
 * Runs `lookups` lookups, half by phone and half by 身份证 number; four in five for a customer in `customers` (the
 * table's content), one in five for a valid value that is not in the table. Numbers are written the way people
 * type them (spaces, +86, lower-case x), so the normalisers are part of what is measured.
 */
export async function measureLookups(
  store: CustomerStore,
  customers: readonly Customer[],
  lookups = 1000,
  seed = 7,
): Promise<LookupFigures> {
  const rnd = prng(seed)
  const rows = await store.count()
  const phones = new Set(customers.map((c) => c.phone))
  const ids = new Set(customers.map((c) => c.id_number))
  const times: number[] = []
  let wrong = 0
  let decryptedRows = 0
  let observed = 0
  let predicted = 0
  let otherRows = 0
  const hits = { phone: 0, id: 0 }
  for (let i = 0; i < lookups; i++) {
    const byPhone = i % 2 === 0
    const present = rnd() < 0.8
    let want: Customer | undefined
    let value: string
    if (present) {
      want = customers[Math.floor(rnd() * customers.length)] as Customer
      value = byPhone
        ? `+86 ${want.phone.slice(0, 3)} ${want.phone.slice(3, 7)} ${want.phone.slice(7)}`
        : want.id_number.toLowerCase()
    } else {
      do value = byPhone ? randomPhone(rnd) : randomIdNumber(rnd)
      while (byPhone ? phones.has(value) : ids.has(value))
    }
    const t = performance.now()
    const r: LookupResult = byPhone ? await store.findByPhone(value) : await store.findByIdNumber(value)
    times.push(performance.now() - t)
    const matches = want ? 1 : 0
    if (want) hits[byPhone ? 'phone' : 'id']++
    if (
      r.customers.length !== matches ||
      (want && (r.customers[0]?.phone !== want.phone || r.customers[0]?.id_number !== want.id_number))
    )
      wrong++
    decryptedRows += r.candidates
    observed += r.candidates - r.customers.length
    otherRows += rows - matches
    predicted += (rows - matches) * 2 ** -(byPhone ? store.phone.bits : store.idNumber.bits)
  }
  times.sort((a, b) => a - b)
  const bits = store.phone.bits
  // The two indexes have independent keys: their variances add.
  const half = Math.ceil(lookups / 2)
  const sigma = Math.sqrt(
    falsePositiveSigma(rows, store.phone.bits, hits.phone, half - hits.phone) ** 2 +
      falsePositiveSigma(rows, store.idNumber.bits, hits.id, lookups - half - hits.id) ** 2,
  )
  return {
    rows,
    bits,
    lookups,
    wrong,
    decryptedRows,
    latencyMs: {
      mean: times.reduce((a, b) => a + b, 0) / times.length,
      p50: quantile(times, 0.5),
      p95: quantile(times, 0.95),
      p99: quantile(times, 0.99),
    },
    falsePositives: { observed, predicted, sigma, z: (observed - predicted) / sigma },
    rate: { observed: observed / otherRows, predicted: 2 ** -bits },
  }
}

/** Builds a table of `rows` customers in `store`, in chunks; returns the customers and the seconds it took. */
export async function buildTable(
  store: CustomerStore,
  rows: number,
  seed = 15,
): Promise<{ customers: Customer[]; seconds: number }> {
  const customers = generateCustomers(rows, seed)
  const t = performance.now()
  for (let i = 0; i < customers.length; i += 10_000) await store.insert(customers.slice(i, i + 10_000))
  return { customers, seconds: (performance.now() - t) / 1000 }
}

/** One line per figure, for the example and the benchmark. */
export function formatFigures(f: LookupFigures): string {
  const ms = (x: number): string => x.toFixed(3)
  return [
    `table: ${f.rows} rows, ${f.bits}-bit indexes; ${f.lookups} lookups (phone and 身份证, 80 % present)`,
    `lookup latency: mean ${ms(f.latencyMs.mean)} ms, p50 ${ms(f.latencyMs.p50)}, p95 ${ms(f.latencyMs.p95)}, p99 ${ms(f.latencyMs.p99)} (index + SQL + decrypt candidates)`,
    `rows decrypted: ${f.decryptedRows} (${(f.decryptedRows / f.lookups).toFixed(2)} per lookup); wrong results: ${f.wrong}`,
    `false positives: observed ${f.falsePositives.observed}, predicted ${f.falsePositives.predicted.toFixed(1)} ± ${f.falsePositives.sigma.toFixed(1)} (z = ${f.falsePositives.z.toFixed(2)}); ` +
      `per row ${f.rate.observed.toExponential(3)} vs 2^-${f.bits} = ${f.rate.predicted.toExponential(3)}`,
  ].join('\n')
}
