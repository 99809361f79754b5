import { cpus, loadavg } from 'node:os'

/** How busy the machine was during a run: the 1-minute load average, sampled every 5 s. */
export interface MachineLoad {
  cores: number
  min: number
  median: number
  max: number
  samples: number
}

/**
 * Samples the 1-minute load average until `stop()`. The benchmark itself keeps about two to three
 * processes busy (a server, autocannon, the runner or the emulator); what is above that is other work.
 */
export function watchMachineLoad(): { stop(): MachineLoad } {
  const samples = [loadavg()[0] as number]
  const timer = setInterval(() => samples.push(loadavg()[0] as number), 5000)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      samples.push(loadavg()[0] as number)
      const sorted = [...samples].sort((a, b) => a - b)
      return {
        cores: cpus().length,
        min: sorted[0] as number,
        median: sorted[sorted.length >> 1] as number,
        max: sorted[sorted.length - 1] as number,
        samples: samples.length,
      }
    },
  }
}
