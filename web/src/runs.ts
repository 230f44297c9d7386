/** The runs pages: a table of runs, one run's settings, curves and pictures, and two runs compared. */
import { snakeCase } from '../../src/util/names.js';
import type { RunDetail } from '../../src/wire/types.js';
import { api } from './api.js';
import { compareSpec, curvePanels, curvesSpec, showChart } from './charts.js';
import { fmt, h, lastMetrics } from './dom.js';

export async function runsView(): Promise<HTMLElement> {
  const runs = await api.runs();
  if (!runs.length)
    return h(
      'section',
      {},
      h('h2', {}, 'Runs'),
      h('p', {}, 'No runs yet. ', h('a', { href: '#/train' }, 'Train one'), ' or run latentlab train in a terminal.'),
    );
  const picked = new Set<string>();
  const compare = h(
    'button',
    {
      type: 'button',
      disabled: true,
      'data-testid': 'compare',
      onclick: () => (location.hash = `#/compare/${[...picked].map(encodeURIComponent).join('/')}`),
    },
    'Compare the two ticked runs',
  );
  const rows = runs.map((r) => {
    const tick = h('input', { type: 'checkbox', 'aria-label': `compare ${r.name}` });
    tick.addEventListener('change', () => {
      if (tick.checked) picked.add(r.name);
      else picked.delete(r.name);
      compare.toggleAttribute('disabled', picked.size !== 2);
    });
    return h(
      'tr',
      {},
      h('td', {}, tick),
      h(
        'td',
        {},
        h('a', { href: `#/runs/${encodeURIComponent(r.name)}` }, r.name),
        r.training ? h('span', { class: 'badge' }, 'training') : null,
      ),
      h('td', {}, r.model),
      h('td', {}, r.dataset),
      h('td', {}, `${r.epochs_done}/${r.epochs}`),
      h('td', {}, lastMetrics(r.metric_info, r.last)),
      h('td', {}, h('a', { href: `#/explore/${encodeURIComponent(r.name)}` }, 'explore')),
    );
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Runs'),
    h(
      'table',
      { class: 'runs', 'data-testid': 'runs' },
      h(
        'thead',
        {},
        h('tr', {}, ...['', 'run', 'model', 'dataset', 'epochs', 'last epoch', ''].map((t) => h('th', {}, t))),
      ),
      h('tbody', {}, ...rows),
    ),
    compare,
  );
}

export async function runView(name: string): Promise<HTMLElement> {
  const r = await api.run(name);
  const chart = h('div', { class: 'chart', 'data-testid': 'curves' });
  if (r.metrics.length)
    void showChart(
      chart,
      curvesSpec(r.metrics, `${String(r.config.model)} on ${String(r.config.dataset)}`, curvePanels(r.metric_info)),
    );
  const links = [
    r.has_checkpoint ? h('a', { href: `#/explore/${encodeURIComponent(name)}` }, 'Explore its latent space') : null,
    r.training ? h('a', { href: `#/train/${encodeURIComponent(name)}` }, 'Watch it train') : null,
    r.anomaly ? h('a', { href: `#/anomaly/${encodeURIComponent(name)}` }, 'Anomaly scores') : null,
  ].filter(Boolean);
  return h(
    'section',
    {},
    h('h2', {}, name),
    h('p', { class: 'links' }, ...links.flatMap((l, i) => (i ? [' · ', l] : [l]))),
    h('h3', {}, 'Curves'),
    r.metrics.length ? chart : h('p', {}, 'No epoch has finished yet.'),
    h('h3', {}, 'Pictures'),
    gallery(r),
    h('h3', {}, 'Settings'),
    settingsTable(r),
  );
}

function gallery(r: RunDetail): HTMLElement {
  const pictures = r.files.filter((f) => /\.(png|gif)$/.test(f));
  if (!pictures.length) return h('p', {}, 'No pictures yet (they are drawn when training ends).');
  return h(
    'div',
    { class: 'gallery' },
    ...pictures.map((f) =>
      h('figure', {}, h('img', { src: api.fileUrl(r.name, f), alt: f, loading: 'lazy' }), h('figcaption', {}, f)),
    ),
  );
}

function settingsTable(r: RunDetail): HTMLElement {
  const entries = Object.entries({ ...r.config, ...r.resolved }).filter(
    ([, v]) => v !== null && v !== undefined && typeof v !== 'object',
  );
  return h(
    'table',
    { class: 'settings' },
    h('tbody', {}, ...entries.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, fmt(v, 6))))),
  );
}

export async function compareView(names: string[]): Promise<HTMLElement> {
  const runs = await Promise.all(names.map((n) => api.run(n)));
  const keys = [...new Set(runs.flatMap((r) => r.metrics.flatMap((m) => Object.keys(m))))].filter(
    (k) =>
      !['epoch', 'lr', 'sec', 'images_per_sec'].includes(k) &&
      runs.every((r) => r.metrics.some((m) => m[k] !== undefined)),
  );
  const chart = h('div', { class: 'chart', 'data-testid': 'compare-chart' });
  const draw = (metric: string): void => {
    const rows = runs.flatMap((r) =>
      r.metrics
        .filter((m) => Number.isFinite(m[metric]))
        .map((m) => ({ run: r.name, epoch: m.epoch!, value: m[metric]! })),
    );
    void showChart(chart, compareSpec(rows, metric));
  };
  // The first run's headline metric (its model's first shown one), on the test set where it has one.
  const lead = runs[0]?.metric_info.find((m) => !m.hidden);
  const snake = lead && snakeCase(lead.key);
  const preferred = [`test_${snake}`, `train_${snake}`].find((k) => keys.includes(k)) ?? keys[0];
  const select = h(
    'select',
    { onchange: (e: Event) => draw((e.target as HTMLSelectElement).value) },
    ...keys.map((k) => h('option', { value: k, selected: k === preferred }, k)),
  );
  if (preferred) draw(preferred);
  const table = h(
    'table',
    { class: 'settings' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), ...runs.map((r) => h('th', {}, r.name)))),
    h(
      'tbody',
      {},
      ...['model', 'dataset', 'latent', 'beta', 'epochs', 'likelihood', 'lr'].map((k) =>
        h('tr', {}, h('th', {}, k), ...runs.map((r) => h('td', {}, fmt(r.config[k] ?? r.resolved[k], 6)))),
      ),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, `${names.join(' vs ')}`),
    keys.length ? h('label', {}, 'metric ', select) : h('p', {}, 'The runs share no metric.'),
    chart,
    table,
  );
}
