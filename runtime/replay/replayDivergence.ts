/**
 * The error a replay raises when the program asks for something the recording does not hold.
 * Its code is E_REPLAY_DIVERGED, with `details.reason = 'replay-diverged'`.
 */
import { ApxmError } from '../errors.js';
import type { Value } from '../values/value.js';

/** Hears every divergence, even one a TRY_CATCH or a `fallback` swallows inside the run. */
export type DivergenceListener = (error: ApxmError) => void;

const HINT =
  'the program, its arguments or its tools changed since the run was recorded: replay the program as it was recorded, or record a new run';

export function divergenceError(recordedRunId: string, message: string, details: Record<string, Value>): ApxmError {
  return new ApxmError('E_REPLAY_DIVERGED', `replay diverged from run ${recordedRunId}: ${message}`, {
    hint: HINT,
    details: { reason: 'replay-diverged', recordedRunId, ...details },
  });
}

/** The first `max` characters on one line. */
export function clip(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat;
}

/** A prompt for an error message: clipped and quoted. */
export const preview = (text: string): string => JSON.stringify(clip(text));
