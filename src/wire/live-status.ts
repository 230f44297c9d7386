/** The shape of live.json (no imports: the browser reads the same type). */
export type LiveState = 'starting' | 'training' | 'finished' | 'stopped' | 'failed';

export interface LiveStatus {
  pid: number;
  state: LiveState;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Running averages of the epoch so far (loss, recon, kl, or the GAN's losses). */
  fields: Record<string, number>;
  message: string | null;
  /** ISO time of the last write: a heartbeat. */
  updated: string;
}
