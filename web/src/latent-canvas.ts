/**
 * The latent map on a canvas: the test set's codes as dots coloured by class, under an overlay
 * for the cursor, the current point and the picked images. Converts between screen pixels and
 * map coordinates, and finds the dot nearest a point. Without codes (a GAN) it spans a plane
 * of two latent dimensions from -3 to 3.
 */
import type { LatentMap } from '../../src/wire/types.js';
import { classColour } from './images.js';

const PAD = 28;

export class LatentCanvas {
  readonly base: HTMLCanvasElement;
  readonly overlay: HTMLCanvasElement;
  readonly element: HTMLElement;
  #bounds: { x0: number; x1: number; y0: number; y1: number };

  constructor(
    readonly map: LatentMap | null,
    readonly size = 480,
  ) {
    this.base = Object.assign(document.createElement('canvas'), { width: size, height: size, className: 'map-base' });
    this.overlay = Object.assign(document.createElement('canvas'), {
      width: size,
      height: size,
      className: 'map-overlay',
    });
    this.overlay.setAttribute('data-testid', 'latent-map');
    this.element = document.createElement('div');
    this.element.className = 'map';
    this.element.style.width = this.element.style.height = `${size}px`;
    this.element.append(this.base, this.overlay);
    this.#bounds = map ? boundsOf(map.points) : { x0: -3, x1: 3, y0: -3, y1: 3 };
    this.drawBase();
  }

  /** Map coordinates of a point on the canvas (CSS pixels from its top-left corner). */
  toMap(px: number, py: number): [number, number] {
    const { x0, x1, y0, y1 } = this.#bounds;
    const w = this.size - 2 * PAD;
    return [x0 + ((px - PAD) / w) * (x1 - x0), y1 - ((py - PAD) / w) * (y1 - y0)];
  }

  toPixel(u: number, v: number): [number, number] {
    const { x0, x1, y0, y1 } = this.#bounds;
    const w = this.size - 2 * PAD;
    return [PAD + ((u - x0) / (x1 - x0)) * w, PAD + ((y1 - v) / (y1 - y0)) * w];
  }

  /** The index (into map.points) of the dot nearest (u, v), or -1 without dots. */
  nearest(u: number, v: number): number {
    if (!this.map) return -1;
    let best = -1;
    let bestD = Infinity;
    this.map.points.forEach(([x, y], i) => {
      const d = (x - u) ** 2 + (y - v) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    });
    return best;
  }

  drawBase(): void {
    const ctx = this.base.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.size, this.size);
    ctx.strokeStyle = '#ddd';
    ctx.strokeRect(PAD, PAD, this.size - 2 * PAD, this.size - 2 * PAD);
    const [ox, oy] = this.toPixel(0, 0);
    ctx.beginPath();
    ctx.moveTo(ox, PAD);
    ctx.lineTo(ox, this.size - PAD);
    ctx.moveTo(PAD, oy);
    ctx.lineTo(this.size - PAD, oy);
    ctx.stroke();
    if (this.map) {
      ctx.globalAlpha = 0.65;
      this.map.points.forEach(([u, v], i) => {
        const [x, y] = this.toPixel(u, v);
        ctx.fillStyle = classColour(this.map!.labels[i]!);
        ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
      });
      ctx.globalAlpha = 1;
    }
    ctx.fillStyle = '#555';
    ctx.font = '11px system-ui, sans-serif';
    const [ax, ay] = this.map?.axisTitles ?? ['z[a]', 'z[b]'];
    ctx.fillText(ax, this.size / 2 - ctx.measureText(ax).width / 2, this.size - 8);
    ctx.save();
    ctx.translate(12, this.size / 2 + ctx.measureText(ay).width / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(ay, 0, 0);
    ctx.restore();
  }

  /** Redraws the overlay: the current point as a crosshair, picked dots as rings. */
  drawOverlay(current: [number, number] | null, picked: [number, number][] = []): void {
    const ctx = this.overlay.getContext('2d')!;
    ctx.clearRect(0, 0, this.size, this.size);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#111';
    for (const [u, v] of picked) {
      const [x, y] = this.toPixel(u, v);
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (current) {
      const [x, y] = this.toPixel(...current);
      ctx.strokeStyle = '#d62728';
      ctx.beginPath();
      ctx.moveTo(x - 9, y);
      ctx.lineTo(x + 9, y);
      ctx.moveTo(x, y - 9);
      ctx.lineTo(x, y + 9);
      ctx.stroke();
    }
  }
}

/** The points' extent, padded by 5% on each side (each axis on its own: a collapsed direction still fills the map). */
function boundsOf(points: [number, number][]): { x0: number; x1: number; y0: number; y1: number } {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!Number.isFinite(x0)) return { x0: -3, x1: 3, y0: -3, y1: 3 };
  const pad = (a: number, b: number): [number, number] => {
    const m = Math.max(b - a, 1e-3) * 0.05;
    return [a - m, b + m];
  };
  const [px0, px1] = pad(x0, x1);
  const [py0, py1] = pad(y0, y1);
  return { x0: px0, x1: px1, y0: py0, y1: py1 };
}
