/** The graph page's channel to the host (media/shared/vscodeApi.ts) and the state it keeps. */
import { pageChannel } from '../../shared/vscodeApi.js';
import type { GraphPageState, PageMessages } from '../protocol.js';
import type { LayoutResult } from '../layout.js';

/** What the page keeps: the protocol's state, plus the last layout when it is small enough to store. */
export interface StoredState extends GraphPageState {
  layout?: { key: string; result: LayoutResult };
}

export const { post, loadState, saveState } = pageChannel<PageMessages, StoredState>((s) => typeof s.programPath === 'string');
