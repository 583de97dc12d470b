import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { requireBinary, run, tempDir } from '@keyward/test-support'

/** A throwaway PostgreSQL cluster on 127.0.0.1 in a temp dir; `stop()` removes it. */
export interface PgCluster {
  url: string
  stop(): void
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

/**
 * Where initdb and pg_ctl live: on PATH, else Debian's versioned /usr/lib/postgresql/<v>/bin (not on PATH after
 * `apt-get install postgresql`). Fails loudly with the install command when neither has them.
 */
function pgBin(name: string): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) {
    const candidate = join(root, v, 'bin', name)
    if (existsSync(candidate)) return candidate
  }
  return requireBinary(name)
}

/**
 * initdb + pg_ctl start. PostgreSQL refuses to run as root, so as root the cluster is created and run as the
 * `postgres` system user (runuser); otherwise as the current user.
 */
export async function startPgCluster(): Promise<PgCluster> {
  const initdb = pgBin('initdb')
  const pgCtl = pgBin('pg_ctl')
  const tmp = tempDir('keyward-pg-')
  const data = join(tmp.dir, 'data')
  const asRoot = process.getuid?.() === 0
  const as = (cmd: string, args: string[]): Buffer =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args)
  if (asRoot) {
    requireBinary('runuser')
    mkdirSync(data, { mode: 0o700 })
    chownSync(
      tmp.dir,
      Number(run('id', ['-u', 'postgres']).toString().trim()),
      Number(run('id', ['-g', 'postgres']).toString().trim()),
    )
    chownSync(
      data,
      Number(run('id', ['-u', 'postgres']).toString().trim()),
      Number(run('id', ['-g', 'postgres']).toString().trim()),
    )
  }
  as(initdb, ['-D', data, '-A', 'trust', '-U', 'keyward', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  as(pgCtl, [
    '-D',
    data,
    '-l',
    join(tmp.dir, 'log'),
    '-w',
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${tmp.dir} -c fsync=off`,
    'start',
  ])
  return {
    url: `postgres://keyward@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        as(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        tmp.remove()
      }
    },
  }
}
