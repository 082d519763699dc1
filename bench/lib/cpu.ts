// CPU accounting for benchmarks on shared machines: how busy the whole machine was, to tell a slow server from a
// server that was starved by other processes (a test suite running next to the benchmark, say).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

function clkTck(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Busy CPU time of the whole machine since boot (all CPUs, steal included), in microseconds; undefined off Linux. */
export function machineBusyMicros(): number | undefined {
  try {
    const first = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    if (!first.startsWith('cpu ')) return undefined;
    // user nice system idle iowait irq softirq steal ...
    const f = first.trim().split(/\s+/).slice(1).map(Number);
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return (busy * 1e6) / clkTck();
  } catch {
    return undefined;
  }
}

export const ownCpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
