/**
 * The hidden trainer window speaks the trainer's protocol (../protocol.ts) over a MessagePort, with one
 * difference: the window has no file access, so the main side loads the data set and sends it with
 * `start`. Snapshots come back with their tensors' buffers transferred, not copied.
 */
import type { Split } from '../../datasets/split.ts';
import type { FromTrainer, ToTrainer, TrainerJob } from '../protocol.ts';

export type ToTrainerWindow = Exclude<ToTrainer, { type: 'start' }> | { type: 'start'; job: TrainerJob; data: { train: Split; test: Split } };

/** The buffers a message can hand over instead of copying: a snapshot's tensors. */
export function transferables(message: FromTrainer): ArrayBuffer[] {
  if (message.type !== 'snapshot') return [];
  return message.snapshot.tensors.map((tensor) => tensor.data.buffer as ArrayBuffer);
}
