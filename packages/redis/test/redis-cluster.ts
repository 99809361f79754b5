import { type ChildProcess, execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort, spawnRedis } from './redis-server.js'

const REDIS_CLI = process.env.REDIS_CLI ?? 'redis-cli'

/** Every server any cluster of this process started: killed on exit, even after a failed test. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL')
})

/**
 * A throwaway Redis Cluster: three primaries with one replica each, six `redis-server` processes on
 * free ports of 127.0.0.1, in a temp dir, persisting nothing.
 */
export interface TestCluster {
  /** `{ host, port }` of every node, for `new Cluster(nodes)` or the `nodes` option. */
  nodes: { host: string; port: number }[]
  /** The port of the primary serving `key`'s slot. */
  primaryOf(key: string): Promise<number>
  /** Kills the node on `port` at once (SIGKILL), as a crash would. */
  kill(port: number): Promise<void>
  /** Resolves once every live node says `cluster_state:ok` and one of them serves `key` as a primary. */
  waitUntilServed(key: string): Promise<number>
  stop(): Promise<void>
}

/** Polls `check` every 50 ms until it returns a value, for at most `ms`. */
async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${ms} ms (${String(last ?? '')})`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * One `redis-server` in cluster mode, put in `procs` as soon as it is spawned (so a teardown reaches it
 * even while it starts); resolves once it accepts connections.
 */
async function launch(dir: string, port: number, busPort: number, procs: Map<number, ChildProcess>): Promise<void> {
  const nodeDir = join(dir, String(port))
  mkdirSync(nodeDir)
  await spawnRedis(
    [
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(nodeDir, 'nodes.conf'),
      '--cluster-node-timeout',
      '1000',
      // A replica may take over however long ago it last heard from its primary.
      '--cluster-replica-validity-factor',
      '0',
      // A replica syncs at once, not after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay',
      '0',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      nodeDir,
    ],
    (proc) => {
      running.add(proc)
      procs.set(port, proc)
      proc.once('exit', () => running.delete(proc))
    },
  )
}

async function halt(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise((resolve) => proc.once('exit', resolve))
  proc.kill('SIGKILL')
  await exited
}

/**
 * Starts a cluster and waits until every node says `cluster_state:ok`. A port taken by someone else
 * between our check and the server's start (other tests run on this machine) fails one attempt, torn
 * down, and a second one is made on other ports.
 */
export async function startCluster(): Promise<TestCluster> {
  try {
    return await startClusterOnce()
  } catch (error) {
    if (!String(error).includes('redis-server exited')) throw error
    return startClusterOnce()
  }
}

/** One attempt of {@link startCluster}; tears down what it started if it fails. */
async function startClusterOnce(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-redis-cluster-'))
  const procs = new Map<number, ChildProcess>()
  const clients = new Map<number, Redis>()
  const stop = async () => {
    for (const client of clients.values()) client.disconnect()
    await Promise.all([...procs.values()].map(halt))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const ports: number[] = []
    while (ports.length < 12) {
      const port = await freePort()
      if (!ports.includes(port)) ports.push(port)
    }
    const nodePorts = ports.slice(0, 6)
    await Promise.all(nodePorts.map((port, i) => launch(dir, port, ports[6 + i] as number, procs)))
    await new Promise<void>((resolve, reject) => {
      execFile(
        REDIS_CLI,
        [
          '--cluster',
          'create',
          ...nodePorts.map((port) => `127.0.0.1:${port}`),
          '--cluster-replicas',
          '1',
          '--cluster-yes',
        ],
        { timeout: 60_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`redis-cli --cluster create: ${stdout}${stderr}`)) : resolve(),
      )
    })
    for (const port of nodePorts) {
      clients.set(
        port,
        new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }),
      )
    }
    const info = async (port: number) => String(await clients.get(port)?.call('CLUSTER', 'INFO'))
    await Promise.all(
      nodePorts.map((port) =>
        until(`node ${port} did not say cluster_state:ok`, 30_000, async () =>
          (await info(port)).includes('cluster_state:ok') && (await info(port)).includes('cluster_known_nodes:6')
            ? true
            : undefined,
        ),
      ),
    )
    // Every replica has its primary's data and follows it.
    await Promise.all(
      nodePorts.map((port) =>
        until(`node ${port} did not finish replicating`, 30_000, async () => {
          const replication = String(await clients.get(port)?.info('replication'))
          if (replication.includes('role:master')) return replication.includes('connected_slaves:1') ? true : undefined
          return replication.includes('master_link_status:up') ? true : undefined
        }),
      ),
    )
    const live = () =>
      nodePorts.filter((port) => procs.get(port)?.exitCode === null && procs.get(port)?.signalCode === null)
    const primaryOf = async (key: string): Promise<number> => {
      const [any] = live()
      const client = clients.get(any as number) as Redis
      const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key))
      const slots = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][]
      const range = slots.find(([from, to]) => from <= slot && slot <= to)
      if (range === undefined) throw new Error(`no node serves slot ${slot}`)
      return Number(range[2][1])
    }
    return {
      nodes: nodePorts.map((port) => ({ host: '127.0.0.1', port })),
      primaryOf,
      async kill(port) {
        clients.get(port)?.disconnect()
        const proc = procs.get(port)
        if (proc !== undefined) await halt(proc)
      },
      async waitUntilServed(key) {
        return until(`no live primary serves ${key}`, 30_000, async () => {
          for (const port of live()) if (!(await info(port)).includes('cluster_state:ok')) return undefined
          const primary = await primaryOf(key)
          return live().includes(primary) ? primary : undefined
        })
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
