/** Op name → handler: one file per op family. */
import type { OpName } from '../graph/opCatalogue.js';
import { agent, constStr, print, yieldOp } from './basicOps.js';
import { branchOnValue, err, guard, jump, loopEnd, loopStart, returnOp, switchOp, tryCatch } from './controlOps.js';
import { claim, pause, resume, updateGoal } from './coordinationOps.js';
import { ask, plan, reason, reflect, think, verify } from './llmOps.js';
import { qmem, umem } from './memoryOps.js';
import { communicate, flowCall } from './multiAgentOps.js';
import type { OpHandler } from './opContext.js';
import { fence, merge, waitAll } from './syncOps.js';
import { exc, inv } from './toolOps.js';

export const OP_HANDLERS: Readonly<Record<OpName, OpHandler>> = {
  AGENT: agent,
  CONST_STR: constStr,
  PRINT: print,
  YIELD: yieldOp,
  ASK: ask,
  THINK: think,
  REASON: reason,
  PLAN: plan,
  REFLECT: reflect,
  VERIFY: verify,
  INV: inv,
  EXC: exc,
  QMEM: qmem,
  UMEM: umem,
  FENCE: fence,
  MERGE: merge,
  WAIT_ALL: waitAll,
  BRANCH_ON_VALUE: branchOnValue,
  SWITCH: switchOp,
  LOOP_START: loopStart,
  LOOP_END: loopEnd,
  RETURN: returnOp,
  JUMP: jump,
  TRY_CATCH: tryCatch,
  ERR: err,
  GUARD: guard,
  FLOW_CALL: flowCall,
  COMMUNICATE: communicate,
  PAUSE: pause,
  RESUME: resume,
  CLAIM: claim,
  UPDATE_GOAL: updateGoal,
};
