/**
 * The signature of each built-in AIS call, as hover, completion and signature help show it. The
 * table itself is runtime/ais/opSignatures.ts, the one the checker and the lowering enforce, so
 * the editor offers exactly the arguments the compiler accepts; this module only looks calls up
 * (every alias of BUILTIN_CALLS shares its op's entry) and formats them.
 */
import { builtinCall, type BuiltinCall } from '../../runtime/ais/classifyCall.js';
import { argumentLabel, OP_SIGNATURES, type ArgSpec, type NamedArgSpec, type OpSignature } from '../../runtime/ais/opSignatures.js';
import { OP_CATALOGUE, type OpInfo, type OpName } from '../../runtime/graph/opCatalogue.js';

export { argumentLabel, namedArgumentLabel } from '../../runtime/ais/opSignatures.js';

export type { ArgSpec, NamedArgSpec, OpSignature };

export interface BuiltinSignature {
  builtin: BuiltinCall;
  info: OpInfo;
  signature: OpSignature;
}

/** The signature of built-in call `callee` (case-insensitive, as GraphGen matches), under the default mapping. */
export function builtinSignature(callee: string): BuiltinSignature | undefined {
  const builtin = builtinCall(callee);
  if (!builtin) return undefined;
  const signature = OP_SIGNATURES[builtin.op];
  return signature ? { builtin, info: OP_CATALOGUE[builtin.op], signature } : undefined;
}

/** The ops that have a signature (for tests: every built-in must). */
export function opsWithSignatures(): OpName[] {
  return Object.keys(OP_SIGNATURES) as OpName[];
}

/** `ask(prompt, context...)`: the positional form; named arguments are listed apart. */
export function signatureLabel(callee: string, s: OpSignature): string {
  return `${callee}(${s.args.map(argumentLabel).join(', ')})`;
}
