import { spawnSync } from "node:child_process";

export interface Sample {
  wallMs: number;
  peakRssKb: number;
}

// getrusage(RUSAGE_CHILDREN) in a fresh python3 covers exactly one child: its peak RSS, whatever
// language the child is written in (Node has no way to read a child's rusage).
const WRAPPER = `
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
ms = (time.perf_counter() - t) * 1000
if r.returncode not in (0,):
    sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
    sys.exit(r.returncode)
print(f"{ms:.1f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
`;

/** Wall time and peak RSS of one run of a command. */
export function measure(cmd: string[], env: NodeJS.ProcessEnv = process.env): Sample {
  const r = spawnSync("python3", ["-c", WRAPPER, ...cmd], { encoding: "utf8", env });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr}`);
  const [ms, rss] = r.stdout.trim().split(" ").map(Number);
  return { wallMs: ms as number, peakRssKb: rss as number };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Warm-up (unless told not to), then `runs` rounds in which every command runs once, alternating (fair under drift). */
export function alternate(
  commands: Record<string, string[]>,
  runs: number,
  warmUp = true,
): Record<string, { wallMs: number; peakRssKb: number; samples: Sample[] }> {
  const samples: Record<string, Sample[]> = {};
  for (const [name, cmd] of Object.entries(commands)) {
    if (warmUp) measure(cmd);
    samples[name] = [];
  }
  for (let i = 0; i < runs; i++) {
    for (const [name, cmd] of Object.entries(commands)) samples[name]?.push(measure(cmd));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      {
        wallMs: median(s.map((x) => x.wallMs)),
        peakRssKb: Math.max(...s.map((x) => x.peakRssKb)),
        samples: s,
      },
    ]),
  );
}
