/** The memory page's channel to the host (media/shared/vscodeApi.ts). */
import { pageChannel } from '../../shared/vscodeApi.js';
import type { MemoryPageState, PageMessages } from '../protocol.js';

export const { post, loadState, saveState } = pageChannel<PageMessages, MemoryPageState>((s) => typeof s.tab === 'string');
