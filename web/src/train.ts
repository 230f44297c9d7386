/**
 * The training dashboard: a form that starts a run (trained by a child process of the
 * server), and a live view of any run that follows its event stream: the epoch's progress,
 * the curves gaining a point per epoch, the sample grid redrawn from each new checkpoint, and
 * a stop button (the trainer checkpoints, and `train --resume` goes on).
 */
import type { LiveStatus, TrainOptions } from '../../src/wire/types.js';
import { api, type TrainForm } from './api.js';
import { curvePanels, curvesSpec, showChart, type CurvePanel } from './charts.js';
import { errorBox, fmt, h } from './dom.js';

/** Event streams of the live view now shown; closed when the page changes. */
let open: EventSource | null = null;
export function closeStreams(): void {
  open?.close();
  open = null;
}

export async function trainFormView(): Promise<HTMLElement> {
  const o: TrainOptions = await api.options();
  const runs = await api.runs();
  const field = (label: string, input: HTMLElement): HTMLElement =>
    h('label', { class: 'field' }, h('span', {}, label), input);
  const model = h(
    'select',
    { name: 'model' },
    ...o.models.map((m) =>
      h('option', { value: m.name, selected: m.name === o.defaults.model, title: m.description }, m.name),
    ),
  );
  const dataset = h(
    'select',
    { name: 'dataset' },
    ...o.datasets.map((d) => h('option', { value: d, selected: d === o.defaults.dataset }, d)),
  );
  const latent = h('input', { name: 'latent', type: 'number', min: 1, max: 512, value: 2, required: true });
  const epochs = h('input', { name: 'epochs', type: 'number', min: 1, max: 1000, value: 5, required: true });
  const beta = h('input', { name: 'beta', type: 'number', min: 0, step: 0.1, value: 1 });
  const limit = h('input', { name: 'limit', type: 'number', min: 1, placeholder: 'all' });
  const name = h('input', {
    name: 'name',
    type: 'text',
    pattern: '[A-Za-z0-9_][A-Za-z0-9._-]{0,63}',
    required: true,
    value: `run-${new Date().toISOString().replace(/\D/g, '').slice(2, 14)}`,
  });
  const description = h('p', { class: 'hint' });
  // Each field is a model option; a model without it (beta weighs the KL term, which only VAEs have) disables it.
  const chosen = (): TrainOptions['models'][number] => o.models.find((x) => x.name === model.value)!;
  const hasOption = (key: string): boolean => key in chosen().options;
  const onModel = (): void => {
    const m = chosen();
    description.textContent = m.description;
    latent.disabled = !hasOption('latent');
    if (hasOption('latent')) latent.value = String(m.options.latent!.default);
    beta.disabled = !hasOption('beta');
    if (hasOption('beta')) beta.value = String(m.options.beta!.default);
  };
  model.addEventListener('change', onModel);
  onModel();
  const message = h('div');
  const form = h(
    'form',
    { class: 'train-form', 'data-testid': 'train-form' },
    field('model', model),
    description,
    field('dataset', dataset),
    field('latent dimensions', latent),
    field('epochs', epochs),
    field('beta (KL weight)', beta),
    field('training images (first N)', limit),
    field('run name', name),
    h('button', { type: 'submit' }, 'Start training'),
    message,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const request: TrainForm = {
      name: name.value,
      model: model.value,
      dataset: dataset.value,
      epochs: Number(epochs.value),
    };
    if (hasOption('latent')) request.latent = Number(latent.value);
    if (hasOption('beta') && beta.value !== '') request.beta = Number(beta.value);
    if (limit.value !== '') request.limit = Number(limit.value);
    api
      .train(request)
      .then(() => (location.hash = `#/train/${encodeURIComponent(request.name)}`))
      .catch((err: unknown) => message.replaceChildren(errorBox(err)));
  });
  const training = runs.filter((r) => r.training);
  return h(
    'section',
    {},
    h('h2', {}, 'Train a model'),
    form,
    h('h3', {}, 'Training now'),
    training.length
      ? h(
          'ul',
          {},
          ...training.map((r) =>
            h(
              'li',
              {},
              h('a', { href: `#/train/${encodeURIComponent(r.name)}` }, r.name),
              ` ${r.model} on ${r.dataset}, epoch ${r.epochs_done}/${r.epochs}`,
            ),
          ),
        )
      : h(
          'p',
          {},
          'Nothing is training. A run started in a terminal with latentlab train --live (or --serve) shows up here too.',
        ),
  );
}

export function liveView(name: string): HTMLElement {
  closeStreams();
  const metrics: Record<string, number>[] = [];
  const chart = h('div', { class: 'chart', 'data-testid': 'live-curves', 'data-epochs': 0 });
  const samples = h('img', {
    class: 'samples',
    alt: 'samples from the latest checkpoint',
    'data-testid': 'live-samples',
  });
  const progress = h('progress', { max: 1, value: 0 });
  const state = h('p', { class: 'status', 'data-testid': 'live-status' }, 'connecting...');
  const stop = h('button', { type: 'button', 'data-testid': 'stop', disabled: true }, 'Stop (saves a checkpoint)');
  const problems = h('div');
  let last: LiveStatus | null = null;
  let training = false;
  let stopping = false;
  stop.addEventListener('click', () => {
    stop.setAttribute('disabled', '');
    stopping = true;
    describe();
    api.stop(name).catch((err: unknown) => problems.replaceChildren(errorBox(err)));
  });
  const describe = (): void => {
    const l = last;
    const where = l ? `epoch ${l.epoch}/${l.epochs}, batch ${l.batch}/${l.batches}` : '';
    const fields = l
      ? Object.entries(l.fields)
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(', ')
      : '';
    const now = stopping
      ? 'stopping: saving a checkpoint'
      : l?.state === 'starting'
        ? `starting (${l.message ?? 'loading'})`
        : 'training';
    state.textContent = training
      ? `${now}: ${where}${fields ? ` (${fields})` : ''}`
      : `not training${l ? ` (${l.state}${l.message ? `: ${l.message}` : ''})` : ''}; ${metrics.length} epochs done`;
    progress.value = l && l.batches ? l.batch / l.batches : 0;
  };
  const es = new EventSource(api.eventsUrl(name));
  open = es;
  // The curves' panels are the model's declared metrics, read once the run folder exists.
  let panels: CurvePanel[] | undefined;
  let asking = false;
  const loadPanels = (): void => {
    if (panels || asking) return;
    asking = true;
    api
      .run(name)
      .then((r) => {
        panels = curvePanels(r.metric_info);
        drawCurves();
      })
      .catch(() => undefined)
      .finally(() => (asking = false));
  };
  // One redraw per frame however many epochs arrive at once (a finished run replays all of them).
  // Redraws never overlap, so the newest one is the one shown.
  let drawing = false;
  let again = false;
  const drawCurves = (): void => {
    if (drawing) {
      again = true;
      return;
    }
    drawing = true;
    requestAnimationFrame(() => {
      const rows = [...metrics];
      showChart(chart, curvesSpec(rows, `${name}: per epoch`, panels))
        .then(() => (chart.dataset.epochs = String(rows.length)))
        .catch((err: unknown) => problems.replaceChildren(errorBox(err)))
        .finally(() => {
          drawing = false;
          if (again) {
            again = false;
            drawCurves();
          }
        });
    });
  };
  es.addEventListener('reset', () => {
    metrics.length = 0; // a reconnection replays the run from its start
  });
  es.addEventListener('metrics', (e) => {
    metrics.push(JSON.parse((e as MessageEvent<string>).data) as Record<string, number>);
    loadPanels();
    drawCurves();
    describe();
  });
  es.addEventListener('problem', (e) =>
    problems.replaceChildren(
      errorBox(new Error((JSON.parse((e as MessageEvent<string>).data) as { error: string }).error)),
    ),
  );
  es.addEventListener('error', () => {
    state.textContent =
      es.readyState === EventSource.CLOSED
        ? 'the server closed the stream (is the run name right? does the server need its token?)'
        : 'connection lost; reconnecting...';
  });
  es.addEventListener('live', (e) => {
    last = JSON.parse((e as MessageEvent<string>).data) as LiveStatus;
    describe();
  });
  es.addEventListener('checkpoint', (e) => {
    samples.src = api.samplesUrl(name, (JSON.parse((e as MessageEvent<string>).data) as { time: string }).time);
  });
  es.addEventListener('status', (e) => {
    const s = JSON.parse((e as MessageEvent<string>).data) as {
      training: boolean;
      stopping: boolean;
      exit_code: number | null;
      stderr: string[];
    };
    training = s.training;
    stopping = training && (stopping || s.stopping);
    stop.toggleAttribute('disabled', !training || stopping); // one Stop: a second SIGINT would skip the checkpoint
    if (s.stderr.length) problems.replaceChildren(errorBox(new Error(s.stderr.join('\n'))));
    describe();
  });
  return h(
    'section',
    { class: 'live' },
    h('h2', {}, `Training ${name}`),
    h(
      'p',
      { class: 'links' },
      h('a', { href: `#/runs/${encodeURIComponent(name)}` }, 'run page'),
      ' · ',
      h('a', { href: `#/explore/${encodeURIComponent(name)}` }, 'explore the latest checkpoint'),
    ),
    state,
    progress,
    stop,
    problems,
    h(
      'div',
      { class: 'live-grid' },
      h('div', {}, h('h3', {}, 'Curves'), chart),
      h('div', {}, h('h3', {}, 'Samples (fixed noise, latest checkpoint)'), samples),
    ),
  );
}
