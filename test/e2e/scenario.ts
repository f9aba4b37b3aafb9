import type { Workbench } from './workbench.js';

/** One end-to-end scenario: a file in test/e2e/scenarios/ exporting `scenario`. */
export interface Scenario {
  /** Short, unique; names the output folder (.e2e/output/<name>/). */
  name: string;
  /** What a user does and sees, in a line. */
  title: string;
  /** The whole scenario, workbench start-up included. */
  timeoutMs: number;
  /** Fills the throwaway workspace folder (default: a copy of examples/). */
  workspace?: (dir: string) => void | Promise<void>;
  /** User settings on top of the harness's quiet defaults. */
  settings?: Record<string, unknown>;
  run(wb: Workbench): Promise<void>;
}
