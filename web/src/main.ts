/** The web UI of `latentlab serve`: a hash router over the pages. */
import './style.css';
import { anomalyView } from './anomaly.js';
import { api, takeToken } from './api.js';
import { errorBox, h, mount } from './dom.js';
import { explorerView } from './explorer.js';
import { compareView, runsView, runView } from './runs.js';
import { serverSource } from './source.js';
import { closeStreams, liveView, trainFormView } from './train.js';

async function explorePage(name: string | undefined): Promise<HTMLElement> {
  const runs = (await api.runs()).filter((r) => r.epochs_done > 0);
  const select = h(
    'select',
    {
      'data-testid': 'run-select',
      onchange: (e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        location.hash = v ? `#/explore/${encodeURIComponent(v)}` : '#/explore';
      },
    },
    h('option', { value: '' }, 'choose a run'),
    ...runs.map((r) =>
      h('option', { value: r.name, selected: r.name === name }, `${r.name} (${r.model} on ${r.dataset})`),
    ),
  );
  const head = h('div', { class: 'page-head' }, h('h2', {}, 'Latent explorer'), select);
  if (!name) return h('section', {}, head, h('p', {}, runs.length ? 'Choose a run above.' : 'No trained run yet.'));
  return h('section', {}, head, await explorerView(serverSource(name)));
}

const routes: [RegExp, string, (...a: string[]) => Promise<HTMLElement> | HTMLElement][] = [
  [/^#?\/?$/, 'runs', () => runsView()],
  [/^#\/runs\/([^/]+)$/, 'runs', (n) => runView(n)],
  [/^#\/compare\/([^/]+)\/([^/]+)$/, 'runs', (a, b) => compareView([a, b])],
  [/^#\/explore(?:\/([^/]*))?$/, 'explore', (n) => explorePage(n || undefined)],
  [/^#\/train$/, 'train', () => trainFormView()],
  [/^#\/train\/([^/]+)$/, 'train', (n) => liveView(n)],
  [/^#\/anomaly\/([^/]+)$/, 'runs', (n) => anomalyView(n)],
];

/** Counts navigations: a slow page that finishes after the user has moved on is not shown. */
let generation = 0;

async function route(): Promise<void> {
  closeStreams();
  const mine = ++generation;
  const hash = location.hash || '#/';
  for (const [re, nav, view] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    document
      .querySelectorAll('[data-nav]')
      .forEach((a) => a.classList.toggle('active', a.getAttribute('data-nav') === nav));
    let page: HTMLElement;
    try {
      page = await view(
        ...m.slice(1).map((s) => (s === undefined ? (undefined as unknown as string) : decodeURIComponent(s))),
      );
    } catch (err) {
      page = errorBox(err);
    }
    if (mine === generation) mount(page);
    return;
  }
  mount(errorBox(new Error(`no page at ${hash}`)));
}

takeToken(); // the server's token, when its address carried one: kept, and out of the address bar
window.addEventListener('hashchange', () => void route());
void route();
