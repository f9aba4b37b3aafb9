/** The runtime's public API. */
export { Runtime, type ExecuteOptions, type RunHandle, type RunResult } from './runtime.js';
export type { RuntimeConfig, MemoryConfig, SchedulerConfig } from './config.js';
export { DEFAULTS } from './config.js';
export { ApxmError, formatError, type ErrorCode, type ErrorPlace, type SerializedError } from './errors.js';
export { RuntimeEventEmitter, type RuntimeEvents, type RuntimeEventName, type NodeRef, type FrameRef, type RunStats } from './events.js';
export type { FlowGraph as ExecutionDag, FlowGraph, OpNode, OpEdge, Program, SourceRange, FlowParameter } from './graph/types.js';
export { programFromJson, loadProgramFromJsonText } from './graph/loadGraphJson.js';
export { OP_CATALOGUE, OP_NAMES, type OpName } from './graph/opCatalogue.js';
export { inspectProgram } from './graph/inspectProgram.js';
export { Agent, AgentFlow, FlowRegistry } from './agents/flowRegistry.js';
export { CapabilityRecord } from './capabilities/capabilityRecord.js';
export { CapabilitySystem } from './capabilities/capabilitySystem.js';
export type { LlmProvider, LlmRequest, LlmResponse, LlmConfig } from './llm/types.js';
export { SimulatedProvider } from './llm/simulatedProvider.js';
export { ShortTermMemory } from './memory/shortTermMemory.js';
export { MemorySystem, type Tier } from './memory/memorySystem.js';
export { EpisodicRecorder } from './memory/episodicRecorder.js';
export { openStorage } from './memory/openStorage.js';
export type {
  StorageBackend,
  LtmEntry,
  SearchHit,
  EpisodicEvent,
  EpisodicQuery,
  RunRecord,
  Checkpoint,
  QueueTask,
} from './memory/storage.js';
export { LlmClient } from './llm/llmClient.js';
export { OpenAiProvider } from './llm/openaiProvider.js';
export type { Execution, ExecutionHooks } from './scheduler/execution.js';
export type { HumanInputProvider } from './ops/runServices.js';
export { loadProgramFile } from './programFile.js';
export type { Value } from './values/value.js';
export { analyzeAis, compileAis, loadAisProgram, type AisCompileOptions } from './ais/compileAis.js';
export { loadRecordedRun, type RecordedRun } from './replay/recordedRun.js';
export { ReplayLlmProvider } from './replay/replayProvider.js';
export { registerReplayCapabilities } from './replay/replayCapabilities.js';
export { readTraceFile, writeTraceFile } from './replay/traceFile.js';
export { createReplayRuntime, openRecording } from './replay/replaySetup.js';
