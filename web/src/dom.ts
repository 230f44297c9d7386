/** A small element builder: h('div', { class: 'x' }, child, 'text'), and helpers the pages share. */
import { metricSummary, type MetricLabel } from '../../src/util/metric-summary.js';
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

/** Replaces the page's content. */
export function mount(...children: Child[]): HTMLElement {
  const app = document.getElementById('app')!;
  app.replaceChildren(
    ...children
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
  return app;
}

/** An error shown where the page would be. */
export function errorBox(err: unknown): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, (err as Error).message ?? String(err));
}

export const fmt = (v: unknown, digits = 2): string =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? String(v)
      : v.toFixed(digits)
    : v === null || v === undefined
      ? '-'
      : typeof v === 'string' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);

/** The headline numbers of a run's last epoch, in words, by its model's declared metrics. */
export function lastMetrics(declared: readonly MetricLabel[], m: Record<string, number> | null | undefined): string {
  return metricSummary(declared, m);
}
