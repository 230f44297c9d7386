/**
 * docs/RESULTS.md from report.json: every number and table of the report with the command that
 * makes it, and its key pictures, copied beside the Markdown file (into results/) so that the
 * page does not depend on the report folder.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { durationText, formatNumber } from './html.js';
import type { Report, SectionReport } from './types.js';

const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const cell = (v: string | number): string => md(typeof v === 'number' ? formatNumber(v) : v);
const code = (cmd: string): string => (cmd ? `\`${cmd.replace(/`/g, "'")}\`` : '');

function tableMd(columns: string[], rows: (string | number)[][]): string {
  return [
    `| ${columns.map(md).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Copies the section's key pictures into `imagesDir`; returns their Markdown. */
function figuresMd(s: SectionReport, root: string, mdDir: string, imagesDir: string): string[] {
  return s.figures
    .filter((f) => f.key)
    .map((f) => {
      const target = join(
        imagesDir,
        `${s.id}-${f.file
          .split('/')
          .slice(-2)
          .join('-')
          .replace(/^runs-/, '')}`,
      );
      writeFileAtomic(target, readFileSync(join(root, f.file)));
      return `![${md(f.caption)}](${relative(mdDir, target)})\n\n${md(f.caption)} (${code(f.command)})`;
    });
}

function sectionMd(s: SectionReport, i: number, root: string, mdDir: string, imagesDir: string): string {
  const parts = [`## ${i + 1}. ${s.title}`, s.intro];
  if (s.runs.length)
    parts.push(
      tableMd(
        ['run', 'epochs', 'training images', 'command'],
        s.runs.map((r) => [r.name, r.epochs, r.train_images, code(r.command)]),
      ),
    );
  if (s.numbers.length)
    parts.push(
      tableMd(
        ['quantity', 'value', 'unit', 'command'],
        s.numbers.map((n) => [n.label, n.value, n.unit, code(n.command)]),
      ),
    );
  for (const t of s.tables) parts.push(`${md(t.caption)}:`, tableMd(t.columns, t.rows), `(${code(t.command)})`);
  parts.push(...figuresMd(s, root, mdDir, imagesDir), ...s.notes);
  return parts.join('\n\n');
}

/** Writes the Markdown page (and its pictures, in results/ beside it); returns the files written. */
export function writeResultsMd(report: Report, root: string, path: string): string[] {
  const mdDir = dirname(path);
  const imagesDir = join(mdDir, basename(path, '.md').toLowerCase());
  const m = report.machine;
  const text = [
    '# Results of the classic experiments',
    `Generated from \`report.json\` of \`${report.command}\` (scale ${report.scale}, ${report.created}), ` +
      `${durationText(report)}, on ${m.cpu} (${m.cpus} cores), libtorch ${m.libtorch}. ` +
      'Each run folder of the report can be checked with the command beside its number.',
    ...report.sections.map((s, i) => sectionMd(s, i, root, mdDir, imagesDir)),
  ].join('\n\n');
  writeFileAtomic(path, text + '\n');
  return [path, imagesDir];
}
