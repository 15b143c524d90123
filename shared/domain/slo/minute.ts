// SLI counts are kept per minute: the minute a time falls in. Apart from ./evaluate so that pushing
// counts does not bundle the window arithmetic and luxon (issue 15). Pure.

export const MINUTE = 60_000;

export const floorMinute = (t: number): number => Math.floor(t / MINUTE) * MINUTE;
