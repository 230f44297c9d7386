/**
 * The report as one HTML page, from report.json: plain template strings, every text escaped,
 * pictures referenced beside the page (report/runs/..., report/figures/...) or inlined as
 * data: URIs. No scripts, no fonts to fetch: it opens from the disk as it is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FigureEntry, NumberEntry, Report, RunEntry, SectionReport, TableEntry } from './types.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Numbers as the tables show them: integers whole, others to 2 decimals from 10 up, 3 from 1, 4 below (trailing zeros dropped, one kept). */
export function formatNumber(x: number): string {
  if (Number.isInteger(x)) return x.toLocaleString('en');
  const a = Math.abs(x);
  return x
    .toFixed(a >= 10 ? 2 : a >= 1 ? 3 : 4)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '.0');
}

const cell = (v: string | number): string => escapeHtml(typeof v === 'number' ? formatNumber(v) : v);
/** Prose: escaped, with `code` spans as in Markdown. */
const prose = (s: string): string => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');
const code = (cmd: string): string => `<code>${escapeHtml(cmd)}</code>`;

function imageSource(root: string, file: string, inline: boolean): string {
  if (!inline) return escapeHtml(file);
  const type = file.endsWith('.gif') ? 'image/gif' : 'image/png';
  return `data:${type};base64,${readFileSync(join(root, file)).toString('base64')}`;
}

function runsTable(runs: RunEntry[]): string {
  if (!runs.length) return '';
  const rows = runs
    .map(
      (r) =>
        `<tr><td>${cell(r.name)}</td><td>${cell(r.title)}</td><td>${cell(r.epochs)}</td><td>${cell(r.train_images)}</td><td>${cell(r.train_seconds)}${r.reused ? ' (reused)' : ''}</td><td>${code(r.command)}</td></tr>`,
    )
    .join('\n');
  return `<table class="runs"><caption>runs (in runs/)</caption><tr><th>run</th><th>what</th><th>epochs</th><th>training images</th><th>training (s)</th><th>command</th></tr>\n${rows}</table>`;
}

function numbersTable(numbers: NumberEntry[]): string {
  if (!numbers.length) return '';
  const rows = numbers
    .map(
      (n) =>
        `<tr><td>${cell(n.label)}</td><td class="num">${cell(n.value)}</td><td>${cell(n.unit)}</td><td>${code(n.command)}</td></tr>`,
    )
    .join('\n');
  return `<table><caption>numbers</caption><tr><th>quantity</th><th>value</th><th>unit</th><th>command</th></tr>\n${rows}</table>`;
}

function dataTable(t: TableEntry): string {
  const head = `<tr>${t.columns.map((c) => `<th>${cell(c)}</th>`).join('')}</tr>`;
  const rows = t.rows
    .map(
      (r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="num"' : ''}>${cell(v)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><caption>${cell(t.caption)}</caption>${head}\n${rows}</table>\n<p class="cmd">command: ${code(t.command)}</p>`;
}

function figureHtml(root: string, f: FigureEntry, inline: boolean): string {
  return `<figure><img src="${imageSource(root, f.file, inline)}" alt="${escapeHtml(f.caption)}"><figcaption>${cell(f.caption)}<br>${code(f.command)}</figcaption></figure>`;
}

function sectionHtml(root: string, s: SectionReport, i: number, inline: boolean): string {
  return [
    `<section id="${escapeHtml(s.id)}"><h2>${i + 1}. ${cell(s.title)}</h2>`,
    `<p>${prose(s.intro)}</p>`,
    runsTable(s.runs),
    numbersTable(s.numbers),
    ...s.tables.map(dataTable),
    `<div class="figures">${s.figures.map((f) => figureHtml(root, f, inline)).join('\n')}</div>`,
    ...s.notes.map((n) => `<p class="note">${prose(n)}</p>`),
    `<p class="cmd">section time: ${formatNumber(s.seconds)} s (evaluation and pictures; training is in the runs table)</p></section>`,
  ].join('\n');
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{text-align:left;font-weight:600;padding:.3em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.85em;background:#f4f4f4;padding:0 .2em;overflow-wrap:anywhere}
.figures{display:flex;flex-wrap:wrap;gap:1.2em;align-items:flex-start}figure{margin:0;max-width:100%}
figure img{max-width:100%;max-height:560px;border:1px solid #eee;image-rendering:pixelated}figcaption{font-size:.85em;max-width:560px}
.note,.cmd{font-size:.85em;color:#555}nav a{margin-right:1em}`;

const minutes = (s: number): string => `${(s / 60).toFixed(1)} min`;

/**
 * How long the report took: its command's time, and, when that command reused runs trained by an
 * earlier one (after a crash or Ctrl-C), their training time too, so the figure is not mistaken
 * for the whole cost.
 */
export function durationText(report: Report): string {
  const runs = new Map(report.sections.flatMap((s) => s.runs).map((r) => [r.name, r]));
  const reused = [...runs.values()].filter((r) => r.reused);
  const reusedSeconds = reused.reduce((s, r) => s + r.train_seconds, 0);
  const expected = `expected about ${minutes(report.expected_seconds)}`;
  if (!reused.length) return `${minutes(report.seconds)} (${expected})`;
  return (
    `about ${minutes(report.seconds + reusedSeconds)} in all (${expected}): ${minutes(report.seconds)} for this command, ` +
    `which reused ${reused.length} of ${runs.size} runs trained by an earlier one (their training steps: ${minutes(reusedSeconds)})`
  );
}

export function renderHtml(report: Report, root: string, o: { inline?: boolean } = {}): string {
  const m = report.machine;
  const status = report.complete
    ? ''
    : '<p class="note"><strong>Incomplete:</strong> not every section has run yet.</p>';
  const updates = report.updates.length
    ? `<p class="note">Sections redone since by ${report.updates.map(code).join(', ')}.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>latentlab: the classic experiments (${escapeHtml(report.scale)})</title><style>${STYLE}</style></head>
<body>
<h1>latentlab: the classic experiments</h1>
<p>Scale <strong>${escapeHtml(report.scale)}</strong>, made ${escapeHtml(report.created)} by ${code(report.command)}, ${escapeHtml(durationText(report))}.
Machine: ${cell(m.cpu)}, ${m.cpus} cores, ${m.threads} threads; libtorch ${cell(m.libtorch)}, Node ${cell(m.node)}, latentlab ${cell(m.latentlab)}.
Every number is in <code>report.json</code> with the command that makes it again; each run folder is under <code>runs/</code>.</p>
${status}${updates}
<nav>${report.sections.map((s, i) => `<a href="#${escapeHtml(s.id)}">${i + 1}. ${cell(s.title)}</a>`).join('\n')}</nav>
${report.sections.map((s, i) => sectionHtml(root, s, i, Boolean(o.inline))).join('\n')}
</body></html>
`;
}
