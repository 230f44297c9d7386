/**
 * The latent explorer: hover or drag over the latent map and the image of the point under the
 * cursor appears at once; sliders for every latent dimension when z > 2 (or for a GAN); a
 * random sample from the prior or from a sampler fitted to the run's codes; pick two test images to see the walk between their codes.
 * Decoding goes through an ExplorerSource (the server, or onnxruntime-web in an exported site).
 * Requests never pile up: while one decode is in flight only the newest point waits.
 */
import type { FittedDensity, LatentMap, ModelInfo } from '../../src/wire/types.js';
import { h } from './dom.js';
import { classColour, drawImages, pickImages } from './images.js';
import { LatentCanvas } from './latent-canvas.js';
import { densityName, drawCode } from './sampling.js';
import type { ExplorerSource } from './source.js';

const SLIDER_RANGE = 4;
const WALK_STEPS = 10;
const THUMBS = 24;

const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

export async function explorerView(source: ExplorerSource): Promise<HTMLElement> {
  const [info, map] = await Promise.all([source.info(), source.latentMap()]);
  return new Explorer(source, info, map).element;
}

class Explorer {
  readonly element: HTMLElement;
  readonly canvas: LatentCanvas;
  readonly decoded = h('canvas', { class: 'decoded', 'data-testid': 'decoded' });
  readonly status = h('div', { class: 'status', 'data-testid': 'decode-status' }, 'move the mouse over the map');
  readonly sliders: HTMLInputElement[] = [];
  readonly #sliderValues: HTMLElement[] = [];
  readonly walk = h('canvas', { class: 'walk', 'data-testid': 'walk' });
  readonly walkNote = h('p', { class: 'hint' });
  z: number[];
  label: number | undefined;
  /** For a GAN (no map): the two latent dimensions the plane spans. */
  plane: [number, number] = [0, 1];
  picked: number[] = [];
  #pending: { z: number[]; t: number } | null = null;
  #busy = false;
  #walks = 0;
  readonly #latencies: number[] = [];
  /** Where random samples come from: null is the prior N(0, I), else one of the run's fitted samplers. */
  density: FittedDensity | null = null;

  constructor(
    readonly source: ExplorerSource,
    readonly info: ModelInfo,
    readonly map: LatentMap | null,
  ) {
    this.z = new Array<number>(info.latent).fill(0);
    this.label = info.num_classes ? 0 : undefined;
    this.canvas = new LatentCanvas(map);
    this.#bindMap();
    this.element = h(
      'section',
      { class: 'explorer' },
      h(
        'div',
        { class: 'explorer-grid' },
        h('div', {}, this.canvas.element, this.#legend()),
        h('div', { class: 'side' }, this.decoded, this.status, this.#controls(), this.#sliderPanel()),
      ),
      this.#walkPanel(),
    );
    this.request(this.z, performance.now());
  }

  /** The latent vector of map point (u, v). */
  latentAt(u: number, v: number): number[] {
    if (this.info.latent === 1) return [u]; // a 1-D code: the map's height carries nothing
    if (!this.map) {
      const z = [...this.z];
      z[this.plane[0]] = u;
      z[this.plane[1]] = v;
      return z;
    }
    const p = this.map.projection;
    if (!p) return [u, v];
    return p.mean.map((m, k) => m + u * p.axes[0][k]! + v * p.axes[1][k]!);
  }

  /** A random code from the chosen density (the prior unless a fitted sampler is chosen). */
  randomCode(): number[] {
    return drawCode(this.density, this.info.latent);
  }

  /** Where latent vector z lies on the map. */
  pointOf(z: number[]): [number, number] {
    if (this.info.latent === 1) return [z[0]!, 0];
    if (!this.map) return [z[this.plane[0]]!, z[this.plane[1]]!];
    const p = this.map.projection;
    if (!p) return [z[0]!, z[1]!];
    const c = z.map((x, k) => x - p.mean[k]!);
    return [dot(c, p.axes[0]), dot(c, p.axes[1])];
  }

  /** Decodes z (the newest request wins) and draws it; `t` is when the user asked, for the latency. */
  request(z: number[], t: number): void {
    this.z = z;
    this.sliders.forEach((s, k) => (s.value = String(z[k])));
    this.#sliderValues.forEach((el, k) => (el.textContent = z[k]!.toFixed(2)));
    this.canvas.drawOverlay(this.pointOf(z), this.#pickedPoints());
    this.#pending = { z, t };
    if (!this.#busy) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#busy = true;
    while (this.#pending) {
      const { z, t } = this.#pending;
      this.#pending = null;
      try {
        const batch = await this.source.decode([z], this.label);
        drawImages(this.decoded, batch, { scale: Math.max(2, Math.floor(224 / batch.width)) });
        this.#record(performance.now() - t);
      } catch (err) {
        this.status.textContent = `decoding failed: ${(err as Error).message}`; // a point waiting is still tried
        this.status.classList.add('error');
      }
    }
    this.#busy = false;
  }

  #record(ms: number): void {
    this.#latencies.push(ms);
    if (this.#latencies.length > 50) this.#latencies.shift();
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    this.decoded.dataset.decodes = String(Number(this.decoded.dataset.decodes ?? 0) + 1);
    this.decoded.dataset.latencyMs = ms.toFixed(1);
    const shown =
      this.z.length <= 4 ? `z = (${this.z.map((x) => x.toFixed(2)).join(', ')})` : `z in ${this.z.length} dimensions`;
    this.status.textContent = `${shown}; move to image ${ms.toFixed(0)} ms (median ${median.toFixed(0)} ms)`;
    this.status.classList.remove('error');
  }

  #bindMap(): void {
    const el = this.canvas.overlay;
    const at = (e: PointerEvent): [number, number] => {
      const r = el.getBoundingClientRect();
      return this.canvas.toMap(e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('pointermove', (e) => this.request(this.latentAt(...at(e)), e.timeStamp));
    el.addEventListener('pointerdown', (e) => {
      if (e.shiftKey && this.map) this.pick(this.canvas.nearest(...at(e)));
      else this.request(this.latentAt(...at(e)), e.timeStamp);
    });
  }

  #legend(): HTMLElement {
    if (!this.map)
      return h(
        'p',
        { class: 'hint' },
        `${this.info.model} has no encoder: the plane spans two latent dimensions from -3 to 3 (choose them below); the other dimensions follow the sliders.`,
      );
    const names = this.map.classNames;
    return h(
      'div',
      { class: 'legend' },
      ...names.map((n, k) => h('span', {}, h('i', { style: `background:${classColour(k)}` }), n)),
      h(
        'p',
        { class: 'hint' },
        `${this.map.points.length} test images, at their codes${this.map.projection ? ' (projected on their two main principal directions)' : ''}. Hover or drag to decode; shift-click a dot to pick it for the walk below.`,
      ),
    );
  }

  #controls(): HTMLElement {
    const sample = h(
      'button',
      {
        type: 'button',
        'data-testid': 'sample',
        onclick: () => this.request(this.randomCode(), performance.now()),
      },
      'Random sample',
    );
    const zero = h(
      'button',
      { type: 'button', onclick: () => this.request(new Array<number>(this.info.latent).fill(0), performance.now()) },
      'Origin',
    );
    const parts: HTMLElement[] = [sample, zero];
    const fitted = this.info.samplers;
    if (fitted.length) {
      const select = h(
        'select',
        {
          'data-testid': 'sampler',
          title: 'where Random sample draws codes from',
          onchange: (e: Event) => {
            const i = Number((e.target as HTMLSelectElement).value);
            this.density = i < 0 ? null : fitted[i]!;
            this.request(this.randomCode(), performance.now());
          },
        },
        h('option', { value: -1 }, densityName(null)),
        ...fitted.map((d, i) => h('option', { value: i }, densityName(d))),
      );
      parts.push(h('label', {}, 'from ', select));
    }
    if (this.info.num_classes) {
      const select = h(
        'select',
        {
          'data-testid': 'label',
          onchange: (e: Event) => (
            (this.label = Number((e.target as HTMLSelectElement).value)),
            this.request(this.z, performance.now())
          ),
        },
        ...this.info.class_names.map((n, k) => h('option', { value: k }, `class ${n}`)),
      );
      parts.push(h('label', {}, 'label ', select));
    }
    if (!this.map && this.info.latent > 2) {
      const selects: HTMLSelectElement[] = [];
      // Picking the dimension the other axis shows swaps the two: a plane needs two different directions.
      const choose = (which: 0 | 1, k: number): void => {
        const other = which === 0 ? 1 : 0;
        if (this.plane[other] === k) {
          this.plane[other] = this.plane[which];
          selects[other]!.value = String(this.plane[other]);
        }
        this.plane[which] = k;
        this.request(this.z, performance.now());
      };
      const dimSelect = (which: 0 | 1): HTMLSelectElement =>
        h(
          'select',
          {
            'data-testid': `plane-${which}`,
            onchange: (e: Event) => choose(which, Number((e.target as HTMLSelectElement).value)),
          },
          ...Array.from({ length: this.info.latent }, (_, k) =>
            h('option', { value: k, selected: k === this.plane[which] }, `z[${k}]`),
          ),
        );
      selects.push(dimSelect(0), dimSelect(1));
      parts.push(h('label', {}, 'plane ', selects[0], ' x ', selects[1]));
    }
    return h('div', { class: 'controls' }, ...parts);
  }

  #sliderPanel(): HTMLElement | null {
    if (this.map && this.info.latent <= 2) return null;
    const rows = Array.from({ length: this.info.latent }, (_, k) => {
      const s = h('input', {
        type: 'range',
        min: -SLIDER_RANGE,
        max: SLIDER_RANGE,
        step: 0.01,
        value: 0,
        'aria-label': `z[${k}]`,
      });
      s.addEventListener('input', (e) => {
        const z = [...this.z];
        z[k] = Number(s.value);
        this.request(z, e.timeStamp);
      });
      this.sliders.push(s);
      const value = h('output', {}, '0.00');
      this.#sliderValues.push(value);
      return h('label', { class: 'slider' }, h('span', {}, `z[${k}]`), s, value);
    });
    return h('div', { class: 'sliders' }, ...rows);
  }

  #walkPanel(): HTMLElement {
    const title = h('h3', {}, 'Walk between two images');
    if (!this.map) {
      const button = h(
        'button',
        {
          type: 'button',
          onclick: () => void this.#walkBetween(this.randomCode(), this.randomCode(), 'two random samples'),
        },
        'Walk between two random samples',
      );
      return h('div', { class: 'walk-panel' }, title, button, this.walkNote, this.walk);
    }
    const thumbs = h('div', { class: 'thumbs', 'data-testid': 'thumbs' });
    const step = Math.max(1, Math.floor(this.map.indices.length / THUMBS));
    const chosen = Array.from({ length: Math.min(THUMBS, this.map.indices.length) }, (_, i) => i * step);
    this.source
      .testImages(chosen.map((i) => this.map!.indices[i]!))
      .then((batch) => {
        chosen.forEach((point, i) => {
          const c = h('canvas', { title: `test image ${this.map!.indices[point]}`, class: 'thumb' });
          drawImages(c, pickImages(batch, [i]), { scale: 2 });
          c.addEventListener('click', () => this.pick(point));
          thumbs.append(c);
        });
      })
      .catch(
        (err: unknown) =>
          (this.walkNote.textContent = `the test images could not be loaded: ${(err as Error).message}`),
      );
    this.walkNote.textContent = 'Click two test images (or shift-click two dots on the map).';
    return h('div', { class: 'walk-panel' }, title, thumbs, this.walkNote, this.walk);
  }

  /** Picks map point i; with two picked, draws the walk between their codes. */
  pick(i: number): void {
    if (i < 0 || !this.map) return;
    this.picked = [...this.picked, i].slice(-2);
    this.canvas.drawOverlay(this.pointOf(this.z), this.#pickedPoints());
    const [a, b] = this.picked;
    if (b === undefined) {
      this.walkNote.textContent = `picked test image ${this.map.indices[a!]}; pick one more`;
      return;
    }
    void this.#walkBetween(
      this.map.codes[a!]!,
      this.map.codes[b]!,
      `test images ${this.map.indices[a!]} and ${this.map.indices[b]}`,
    );
  }

  async #walkBetween(a: number[], b: number[], what: string): Promise<void> {
    const mine = ++this.#walks; // two quick picks: only the newer walk is drawn
    const zs = Array.from({ length: WALK_STEPS }, (_, s) => a.map((x, k) => x + ((b[k]! - x) * s) / (WALK_STEPS - 1)));
    try {
      const batch = await this.source.decode(zs, this.label);
      if (mine !== this.#walks) return;
      drawImages(this.walk, batch, { scale: 3 });
      this.walkNote.textContent = `the straight line between the codes of ${what}, in ${WALK_STEPS} steps`;
    } catch (err) {
      if (mine === this.#walks) this.walkNote.textContent = `the walk could not be decoded: ${(err as Error).message}`;
    }
  }

  #pickedPoints(): [number, number][] {
    return this.map ? this.picked.map((i) => this.map!.points[i]!) : [];
  }
}
