/**
 * An epoch in words, and the progress bar's fields, from the model's metric declarations:
 *   epoch 10: train -ELBO 102.97 (recon 76.52, KL 26.45, beta 1), test -ELBO 102.07 nats; 4.6 s, 13118 img/s
 * The first shown metric leads; the others follow in brackets with the epoch's values (the KL weight).
 */
import type { MetricDeclaration } from '../models/model.js';
import type { EpochRecord, PassStats } from '../train/trainer.js';
import { snakeCase } from '../util/names.js';

const shown = (metrics: readonly MetricDeclaration[]): MetricDeclaration[] => metrics.filter((m) => !m.hidden);
const fmt = (m: MetricDeclaration, v: number): string => v.toFixed(m.digits ?? 3);

/** The running averages shown on the progress bar, by label. */
export function barFields(metrics: readonly MetricDeclaration[], s: PassStats): Record<string, number> {
  return Object.fromEntries(shown(metrics).flatMap((m) => (s[m.key] !== undefined ? [[m.label, s[m.key]!]] : [])));
}

/** One split's metrics: "-ELBO 102.97 (recon 76.52, KL 26.45, beta 1)". */
function splitText(metrics: MetricDeclaration[], r: EpochRecord, split: string, extra: string[]): string | null {
  const present = metrics.flatMap((m) => {
    const v = r[`${split}_${snakeCase(m.key)}`];
    return v === undefined ? [] : [`${m.label} ${fmt(m, v)}`];
  });
  if (!present.length) return null;
  const rest = [...present.slice(1), ...extra];
  return `${split} ${present[0]}${rest.length ? ` (${rest.join(', ')})` : ''}`;
}

export function epochLine(
  metrics: readonly MetricDeclaration[],
  r: EpochRecord,
  extras: Record<string, unknown>,
): string {
  const list = shown(metrics);
  const lead = list[0];
  // The model's epoch values (the KL weight): what the record holds beside the metrics and the timing.
  const values = Object.keys(r)
    .filter((k) => !/^(train|val|test)_/.test(k) && !['epoch', 'lr', 'sec', 'images_per_sec'].includes(k))
    .map((k) => `${k} ${r[k]}`);
  const parts = [splitText(list, r, 'train', values)];
  if (lead) {
    // The validation split records what early stopping watches (the model's monitor), whichever metric that is.
    for (const m of metrics) {
      const val = r[`val_${snakeCase(m.key)}`];
      if (val !== undefined) parts.push(`val ${m.label} ${fmt(m, val)}`);
    }
    const test = r[`test_${snakeCase(lead.key)}`];
    if (test !== undefined) parts.push(`test ${lead.label} ${fmt(lead, test)}${lead.unit ? ` ${lead.unit}` : ''}`);
  }
  const classes =
    extras.classes_covered !== undefined
      ? `; classes in 1,000 samples ${Number(extras.classes_covered)}/${(extras.class_counts as number[]).length} (entropy ${(extras.class_entropy as number).toFixed(2)} nats)`
      : '';
  const time = `${r.sec.toFixed(1)} s, ${r.images_per_sec} img/s`;
  return `epoch ${r.epoch}: ${parts.filter(Boolean).join(', ')}${classes}; ${time}`;
}
