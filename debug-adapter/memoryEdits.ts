/**
 * Edits of a stopped run's memory, one code path for the Variables view (setVariable on the STM
 * and Beliefs scopes) and the memory inspector (`apxm/memorySet`, `apxm/memoryDelete`).
 */
import type { RunHandle } from '../runtime/runtime.js';
import type { Value } from '../runtime/values/value.js';

/** Sets an STM value or a belief (labelled `debugger` in the AAM log); returns the value now held. */
export function setMemoryValue(handle: Pick<RunHandle, 'stm' | 'aam'>, tab: 'stm' | 'beliefs', key: string, value: Value): Value {
  if (tab === 'stm') handle.stm.set(key, value);
  else handle.aam.setBelief(key, value, 'debugger');
  return value;
}

/** Deletes an STM key, a belief or an LTM entry; false when there was none. */
export function deleteMemoryKey(handle: Pick<RunHandle, 'stm' | 'aam' | 'memory'>, tab: 'stm' | 'ltm' | 'beliefs', key: string): boolean {
  if (tab === 'stm') return handle.stm.delete(key);
  if (tab === 'beliefs') return handle.aam.deleteBelief(key, 'debugger');
  return handle.memory.storage.ltmDelete(key);
}
