// Timer kinds and the code that runs when one is due. Features add their kinds here.
import type { TimerHandler } from './sweep';

export const timerHandlers: Record<string, TimerHandler> = {};
