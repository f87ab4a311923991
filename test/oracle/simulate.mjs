// Reads one simulation per line on stdin, {"id": ..., "simulation": {...}},
// and writes {"id": ..., "result": "Allowed" | "ImplicitlyDenied" |
// "ExplicitlyDenied" | "error", "detail": ...} per line on stdout.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  const { id, simulation } = JSON.parse(line)
  let out
  try {
    const r = await runSimulation(simulation, { simulationMode: 'Strict' })
    out = r.resultType === 'error'
      ? { id, result: 'error', detail: r.errors }
      : { id, result: r.overallResult }
  } catch (e) {
    out = { id, result: 'error', detail: String(e) }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}
