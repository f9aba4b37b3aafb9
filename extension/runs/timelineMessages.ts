/** What the timeline page may post, checked without `vscode` (a malformed `seek` must not rewind a replay). */
import type { PageMessage, PageMessages } from '../../media/timeline/protocol.js';
import { isInt, parsePageMessage, type BodyChecks } from '../webview/pageMessages.js';

const TIMELINE_PAGE_MESSAGES: BodyChecks<PageMessages> = {
  ready: () => true,
  select: (b) => typeof b.flow === 'string' && isInt(b.nodeId) && isInt(b.frameId),
  seek: (b) => typeof b.time === 'number' && Number.isFinite(b.time),
  pageError: (b) => typeof b.message === 'string',
};

/** The page's message, or why it is refused (logged, never acted on). */
export const parseTimelinePageMessage = (raw: unknown): PageMessage | string => parsePageMessage(raw, TIMELINE_PAGE_MESSAGES);
