/**
 * Progress reporting: a live bar on a terminal, one plain line per unit of work otherwise
 * (or with --json, where the caller prints JSON lines instead).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, fields: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export function progressBar(label: string, total: number, enabled = process.stderr.isTTY): Progress {
  if (!enabled) return { update() {}, setTotal() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | {value}/{total} | {fields} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { fields: '' });
  return {
    update(done, fields) {
      const text = Object.entries(fields)
        .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(2) : v}`)
        .join(' ');
      bar.update(done, { fields: text });
    },
    setTotal(total) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}
