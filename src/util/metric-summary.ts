/**
 * A run's last epoch in a few words, from its model's metric declarations: the first shown
 * metric on the training and test sets ("-ELBO train 102.97, test 102.07"), and the classes a
 * GAN's samples cover when the class watch recorded them. Used by `latentlab runs` and the web UI.
 */
import { snakeCase } from './names.js';

/** How a metric reads: "-ELBO 102.07 nats", lower is better. */
export interface MetricDeclaration {
  /** The key a step returns (camelCase); metrics.jsonl records it as train_<snake_case> and test_<snake_case>. */
  key: string;
  /** Short label for epoch lines, progress bars, tables and charts. */
  label: string;
  /** Unit of one image's value ('nats', '' for a plain number). */
  unit: string;
  /** Which way is better; null where neither is (a GAN's losses). */
  direction: 'min' | 'max' | null;
  /** Decimals shown. */
  digits?: number;
  /** Recorded but not printed in epoch lines (e.g. the weighted loss that equals the -ELBO at beta 1). */
  hidden?: boolean;
}

/** What a summary needs of a metric's declaration. */
export type MetricLabel = Pick<MetricDeclaration, 'key' | 'label' | 'digits' | 'hidden'>;

export function metricSummary(declared: readonly MetricLabel[], m: Record<string, number> | null | undefined): string {
  if (!m) return '-';
  const shown = declared.filter((d) => !d.hidden);
  const lead = shown.find((d) => m[`train_${snakeCase(d.key)}`] !== undefined);
  const classes = m.classes_covered !== undefined ? `, ${m.classes_covered} classes` : '';
  if (!lead) return `${Object.keys(m).length} values${classes}`;
  const k = snakeCase(lead.key);
  const fmt = (v: number): string => v.toFixed(lead.digits ?? 3);
  const test = m[`test_${k}`] !== undefined ? `, test ${fmt(m[`test_${k}`]!)}` : '';
  const second = shown.find(
    (d) => d !== lead && m[`train_${snakeCase(d.key)}`] !== undefined && m[`test_${k}`] === undefined,
  );
  const also = second ? `, ${second.label} ${m[`train_${snakeCase(second.key)}`]!.toFixed(second.digits ?? 3)}` : '';
  return `${lead.label} train ${fmt(m[`train_${k}`]!)}${test}${also}${classes}`;
}
