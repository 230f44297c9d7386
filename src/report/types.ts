/**
 * The shape of report.json: every number, table and picture of `latentlab reproduce`, each
 * with the command that makes it again. Paths are relative to the report folder; commands
 * name the run folders as they were given (e.g. report/runs/vae-mlp-z20).
 */
import type { Scale } from './plan.js';

export interface FigureEntry {
  /** The picture, relative to the report folder (PNG or GIF). */
  file: string;
  caption: string;
  command: string;
  /** One of the section's key pictures (shown in docs/RESULTS.md too). */
  key?: boolean;
}

export interface NumberEntry {
  label: string;
  value: number;
  unit: string;
  command: string;
}

export interface TableEntry {
  caption: string;
  columns: string[];
  /** Cells are numbers, or text where there is no number ('-'). */
  rows: (string | number)[][];
  command: string;
}

/** One trained model of the report. */
export interface RunEntry {
  name: string;
  /** The run folder, relative to the report folder. */
  dir: string;
  title: string;
  model: string;
  dataset: string;
  epochs: number;
  train_images: number;
  /** Seconds spent in training steps (the sum of metrics.jsonl's `sec`). */
  train_seconds: number;
  /** The run was already there, finished, and was used as it was. */
  reused: boolean;
  /** The `latentlab train` command that trains the same run. */
  command: string;
}

/** What a section computed: its pictures and numbers. */
export interface SectionBody {
  intro: string;
  numbers: NumberEntry[];
  tables: TableEntry[];
  figures: FigureEntry[];
  notes: string[];
}

export interface SectionReport extends SectionBody {
  id: string;
  title: string;
  runs: RunEntry[];
  /** Wall time of the section's evaluation and pictures (training not included). */
  seconds: number;
}

export interface Report {
  scale: Scale;
  created: string;
  /** The command that made this report. */
  command: string;
  /** Later commands that redid some of its sections (--sections). */
  updates: string[];
  /** All sections ran and the HTML was written. */
  complete: boolean;
  machine: { cpus: number; cpu: string; threads: number; libtorch: string; node: string; latentlab: string };
  /** Seconds the first command was expected to take, and the seconds spent by it and its updates. */
  expected_seconds: number;
  seconds: number;
  sections: SectionReport[];
}
