/**
 * GHASH in WebAssembly SIMD: the same byte-position tables as ghash.ts, but each lookup is one 128-bit load and
 * one 128-bit XOR, about three times the JavaScript throughput. The module is 425 bytes assembled below from
 * its instructions (no toolchain, nothing opaque): one function `blocks(from, to)` that folds the 16-byte blocks
 * in memory[from, to) into the state Y at STATE. Memory layout: tables at 0 (16 × 256 × 16 bytes), Y at 65536,
 * a data window after it. Each instance owns its memory, so streams never share state.
 *
 * Timing: like ghash.ts, lookups are indexed by data-dependent bytes (cache-timing exposure).
 */
import { Ghash } from './ghash.js'
import { ghashTable, type GhashLike } from './ghash-table.js'

const STATE = 65536
const DATA = STATE + 16
/** Largest whole-block chunk that fits the data window (2 pages of memory). */
const WINDOW = 2 * 65536 - DATA

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return out
}

function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b]
    out.push(b | 0x80)
  }
}

/** The module bytes. Opcodes from the WebAssembly core and SIMD specifications. */
function assemble(): Uint8Array {
  const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
  const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s)]
  const code: number[] = []
  const op = (...b: number[]): void => void code.push(...b)
  const simd = (opcode: number, ...rest: number[]): void => op(0xfd, ...uleb(opcode), ...rest)
  const V128_LOAD = 0x00
  const V128_STORE = 0x0b
  const I8X16_EXTRACT_LANE_U = 0x16
  const V128_XOR = 0x51
  // params: 0 = from, 1 = to; locals: 2 = y, 3 = x, 4 = acc (v128)
  op(0x41, ...sleb(STATE))
  simd(V128_LOAD, 0, 0)
  op(0x21, 2) // y = mem[STATE]
  op(0x02, 0x40, 0x03, 0x40) // block, loop
  op(0x20, 0, 0x20, 1, 0x4f, 0x0d, 1) // if from >= to: break
  op(0x20, 0)
  simd(V128_LOAD, 0, 0)
  op(0x20, 2)
  simd(V128_XOR)
  op(0x21, 3) // x = mem[from] ^ y
  for (let k = 0; k < 16; k++) {
    if (k > 0) op(0x20, 4)
    // acc ^= table[k][x[k]] at k * 4096 + x[k] * 16
    op(0x20, 3)
    simd(I8X16_EXTRACT_LANE_U, k)
    op(0x41, 4, 0x74)
    simd(V128_LOAD, 0, ...uleb(k * 4096))
    if (k > 0) simd(V128_XOR)
    op(0x21, 4)
  }
  op(0x20, 4, 0x21, 2) // y = acc
  op(0x20, 0, 0x41, 16, 0x6a, 0x21, 0) // from += 16
  op(0x0c, 0, 0x0b, 0x0b) // continue; end loop; end block
  op(0x41, ...sleb(STATE), 0x20, 2)
  simd(V128_STORE, 0, 0) // mem[STATE] = y
  op(0x0b)
  const body = [...vec([[3, 0x7b]]), ...code]
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, vec([[0x60, 2, 0x7f, 0x7f, 0]])), // type: (i32, i32) -> ()
    ...section(3, vec([[0]])), // function 0 has type 0
    ...section(5, vec([[0, 2]])), // one memory of 2 pages
    ...section(
      7,
      vec([
        [...name('blocks'), 0, 0],
        [...name('memory'), 2, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ])
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: Record<string, unknown> }
}

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
let compiled: object | null | undefined

/** The compiled module, or null when this runtime has no WebAssembly SIMD. */
function wasmModule(): object | null {
  if (compiled === undefined) {
    const bytes = assemble()
    compiled = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null
  }
  return compiled
}

/** True when {@link WasmGhash} can run here. */
export function wasmGhashAvailable(): boolean {
  return wasmModule() !== null
}

/** One instance of the module: its memory and its function. */
interface WasmInstance {
  readonly mem: Uint8Array
  readonly blocks: (from: number, to: number) => void
}

/** Cleared instances kept for reuse: instantiating costs more than filling the tables. */
const pool: WasmInstance[] = []
const POOL_SIZE = 8

function acquire(): WasmInstance {
  const reused = pool.pop()
  if (reused) return reused
  const module = wasmModule()
  if (!module || !wasm) throw new Error('WebAssembly SIMD is not available')
  const instance = new wasm.Instance(module)
  return {
    mem: new Uint8Array((instance.exports['memory'] as { buffer: ArrayBuffer }).buffer),
    blocks: instance.exports['blocks'] as (from: number, to: number) => void,
  }
}

/** GHASH keyed by H in WebAssembly SIMD; check {@link wasmGhashAvailable} first. Unusable after clear(). */
export class WasmGhash implements GhashLike {
  readonly #mem: Uint8Array
  readonly #blocks: (from: number, to: number) => void
  readonly #instance: WasmInstance
  #pendingLength = 0
  #cleared = false

  constructor(h: Uint8Array) {
    this.#instance = acquire()
    this.#mem = this.#instance.mem
    this.#blocks = this.#instance.blocks
    // Built in place, byte-swapped: WebAssembly memory is little-endian and the lookups want big-endian bytes.
    ghashTable(h, new Int32Array(this.#mem.buffer, 0, 16384), true)
    this.#mem.fill(0, STATE)
  }

  /** Absorbs `data`, carrying a trailing partial block to the next call. */
  update(data: Uint8Array): void {
    this.#live()
    let off = 0
    const mem = this.#mem
    if (this.#pendingLength > 0) {
      const take = Math.min(16 - this.#pendingLength, data.length)
      mem.set(data.subarray(0, take), DATA + this.#pendingLength)
      this.#pendingLength += take
      off = take
      if (this.#pendingLength < 16) return
      this.#blocks(DATA, DATA + 16)
      this.#pendingLength = 0
    }
    const whole = off + ((data.length - off) & ~15)
    for (let o = off; o < whole; o += WINDOW) {
      const end = Math.min(whole, o + WINDOW)
      mem.set(data.subarray(o, end), DATA)
      this.#blocks(DATA, DATA + (end - o))
    }
    if (whole < data.length) {
      mem.set(data.subarray(whole), DATA)
      this.#pendingLength = data.length - whole
    }
  }

  /** Absorbs a carried partial block, zero-padded to 16 bytes. */
  pad(): void {
    this.#live()
    if (this.#pendingLength === 0) return
    this.#mem.fill(0, DATA + this.#pendingLength, DATA + 16)
    this.#blocks(DATA, DATA + 16)
    this.#pendingLength = 0
  }

  /** Current GHASH value Y as 16 bytes. */
  digest(): Buffer {
    this.#live()
    return Buffer.from(this.#mem.subarray(STATE, STATE + 16))
  }

  /** Starts a new GHASH under the same H. */
  reset(): void {
    this.#mem.fill(0, STATE)
    this.#pendingLength = 0
  }

  /** Zeroes tables and state and returns the memory to the pool; the object is unusable afterwards. */
  clear(): void {
    if (this.#cleared) return
    this.#cleared = true
    this.#mem.fill(0)
    this.#pendingLength = 0
    if (pool.length < POOL_SIZE) pool.push(this.#instance)
  }

  #live(): void {
    if (this.#cleared) throw new Error('GHASH state used after clear()')
  }
}

/** The fastest GHASH this runtime offers for H: WebAssembly SIMD, else plain JavaScript. */
export function createGhash(h: Uint8Array): GhashLike {
  return wasmGhashAvailable() ? new WasmGhash(h) : new Ghash(h)
}
