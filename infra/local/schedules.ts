// EventBridge schedules for the local runtime: parses the catalog's rate() and AWS cron()
// expressions (UTC) and invokes each function with a real "Scheduled Event" when due.
// Timers are unref'd: they never keep the process alive, and stop() clears them.
import { randomUUID } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import type { FunctionDefinition, ScheduleTrigger } from '../catalog';
import { ACCOUNT, toEventTime, type BusEventEnvelope } from './event-bus';
import type { LambdaHost } from './lambda';

export class InvalidScheduleExpressionError extends Error {
  override readonly name = 'InvalidScheduleExpressionError';
}

export interface ScheduleExpression {
  expression: string;
  /** The first firing strictly after `after`; undefined when it never fires again. */
  next(after: Date): Date | undefined;
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

function parseRate(expression: string, body: string): ScheduleExpression {
  const m = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(body);
  if (!m)
    throw new InvalidScheduleExpressionError(`${expression}: expected rate(<n> minute|minutes|hour|hours|day|days)`);
  const n = Number(m[1]);
  const unit = m[2]!;
  if (n < 1) throw new InvalidScheduleExpressionError(`${expression}: the value must be a positive integer`);
  // EventBridge rejects "rate(1 minutes)" and "rate(5 minute)".
  if ((n === 1) !== !unit.endsWith('s'))
    throw new InvalidScheduleExpressionError(`${expression}: use the singular unit for 1 and the plural otherwise`);
  const period = n * UNIT_MS[unit.replace(/s$/, '') as keyof typeof UNIT_MS];
  let anchor: number | undefined;
  return {
    expression,
    // A rate schedule starts when the rule is created: the first firing is one period later.
    next(after) {
      anchor ??= after.getTime();
      const k = Math.floor((after.getTime() - anchor) / period) + 1;
      return new Date(anchor + k * period);
    },
  };
}

/** AWS day-of-week is 1-7 = SUN-SAT; cron-parser's is 0-6. Names stay names. */
function convertDayOfWeek(field: string): string {
  const day = (x: string): string => {
    if (/^[A-Za-z]{3}$/.test(x)) return x.toUpperCase();
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1 || n > 7)
      throw new InvalidScheduleExpressionError(`day-of-week ${x} is not 1-7 or SUN-SAT`);
    return String(n - 1);
  };
  return field
    .split(',')
    .map((part) => {
      if (part === '*' || part === '?') return '*';
      if (part === 'L') return '6'; // "last day of the week": Saturday
      let m = /^(\w+)#(\d)$/.exec(part);
      if (m) return `${day(m[1]!)}#${m[2]}`;
      m = /^(\w+)L$/.exec(part);
      if (m) return `${day(m[1]!)}L`;
      m = /^([^/]+)\/(\d+)$/.exec(part);
      if (m) return `${m[1] === '*' ? '*' : m[1]!.split('-').map(day).join('-')}/${m[2]}`;
      return part.split('-').map(day).join('-');
    })
    .join(',');
}

function yearFilter(field: string): (year: number) => boolean {
  if (field === '*' || field === '?') return () => true;
  const tests = field.split(',').map((part) => {
    const m = /^(\*|\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(part);
    if (!m) throw new InvalidScheduleExpressionError(`year ${part} is not a year, range or step`);
    const from = m[1] === '*' ? 1970 : Number(m[1]);
    const to = m[2] ? Number(m[2]) : m[3] || m[1] === '*' ? 2199 : from;
    const step = m[3] ? Number(m[3]) : 1;
    return (y: number) => y >= from && y <= to && (y - from) % step === 0;
  });
  return (y) => tests.some((t) => t(y));
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The day a `nW` / `LW` day-of-month names in a given month (undefined: not in this month). */
function weekdayNear(year: number, month0: number, spec: string): number | undefined {
  const dim = daysInMonth(year, month0);
  const target = spec === 'LW' ? dim : Number(spec.slice(0, -1));
  if (!(target >= 1 && target <= 31) || target > dim) return undefined;
  const dow = new Date(Date.UTC(year, month0, target)).getUTCDay();
  if (dow === 6) return target === 1 ? 3 : target - 1;
  if (dow === 0) return target === dim ? target - 2 : target + 1;
  return target;
}

function parseCron(expression: string, body: string): ScheduleExpression {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new InvalidScheduleExpressionError(
      `${expression}: AWS cron has six fields (minutes hours day-of-month month day-of-week year)`,
    );
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if (dom !== '?' && dow !== '?')
    throw new InvalidScheduleExpressionError(`${expression}: one of day-of-month and day-of-week must be ?`);
  const weekday = /^(\d{1,2}W|LW)$/.test(dom) ? dom : undefined;
  const parserExpr = ['0', minute, hour, weekday ? '*' : dom === '?' ? '*' : dom, month, convertDayOfWeek(dow)].join(
    ' ',
  );
  const inYear = yearFilter(year);
  // Validate now, so a bad expression fails at start-up rather than at the first firing.
  try {
    CronExpressionParser.parse(parserExpr, { tz: 'UTC', strict: false });
  } catch (err) {
    throw new InvalidScheduleExpressionError(`${expression}: ${(err as Error).message}`);
  }
  return {
    expression,
    next(after) {
      let it = CronExpressionParser.parse(parserExpr, { tz: 'UTC', currentDate: after });
      // Year and W are filters on top of cron-parser; bound the search.
      for (let i = 0; i < 500_000; i++) {
        let d: Date;
        try {
          d = it.next().toDate();
        } catch {
          return undefined;
        }
        let y = d.getUTCFullYear();
        if (!inYear(y)) {
          while (y <= 2199 && !inYear(y)) y++;
          if (y > 2199) return undefined;
          it = CronExpressionParser.parse(parserExpr, { tz: 'UTC', currentDate: new Date(Date.UTC(y, 0, 1) - 1) });
          continue;
        }
        if (weekday && d.getUTCDate() !== weekdayNear(y, d.getUTCMonth(), weekday)) continue;
        return d;
      }
      return undefined;
    },
  };
}

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const m = /^(rate|cron)\((.*)\)$/.exec(expression.trim());
  if (!m) throw new InvalidScheduleExpressionError(`${expression}: expected rate(...) or cron(...)`);
  return m[1] === 'rate' ? parseRate(expression, m[2]!) : parseCron(expression, m[2]!);
}

export interface RegisteredSchedule {
  /** Rule name, as the CDK app would name it (nocturne-<function>-schedule<i>). */
  name: string;
  arn: string;
  function: string;
  expression: string;
  /** Next firing (undefined when timers are off or it never fires again). */
  nextRun?: string;
}

export class LocalScheduler {
  readonly schedules: RegisteredSchedule[] = [];
  private readonly parsed = new Map<string, ScheduleExpression>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    functions: FunctionDefinition[],
    private readonly host: LambdaHost,
    private readonly opts: { region: string },
  ) {
    for (const fn of functions) {
      fn.triggers
        .filter((t): t is ScheduleTrigger => t.kind === 'schedule')
        .forEach((t, i) => {
          const name = `nocturne-${fn.name}-schedule${i}`;
          this.parsed.set(name, parseScheduleExpression(t.expression));
          this.schedules.push({
            name,
            arn: `arn:aws:events:${opts.region}:${ACCOUNT}:rule/${name}`,
            function: fn.name,
            expression: t.expression,
          });
        });
    }
  }

  start(now = new Date()): void {
    for (const s of this.schedules) this.arm(s, now);
  }

  private arm(s: RegisteredSchedule, after: Date): void {
    if (this.stopped) return;
    const at = this.parsed.get(s.name)!.next(after);
    s.nextRun = at?.toISOString();
    if (!at) return;
    const fire = () => {
      if (this.stopped) return;
      if (Date.now() < at.getTime()) {
        // setTimeout caps at ~24.8 days: wait again.
        this.timers.set(s.name, setTimeout(fire, Math.min(at.getTime() - Date.now(), 2 ** 31 - 1)).unref());
        return;
      }
      this.host.invokeAsync(s.function, this.scheduledEvent(s, at), `schedule:${s.name}`);
      this.arm(s, at);
    };
    this.timers.set(s.name, setTimeout(fire, Math.min(Math.max(0, at.getTime() - Date.now()), 2 ** 31 - 1)).unref());
  }

  scheduledEvent(s: RegisteredSchedule, at: Date): BusEventEnvelope {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      time: toEventTime(at),
      region: this.opts.region,
      resources: [s.arn],
      detail: {},
    };
  }

  /** Invoke a function's schedule now and wait for the result (tests, the console). */
  async runNow(functionName: string, expression?: string): Promise<unknown> {
    const s = this.schedules.find((x) => x.function === functionName && (!expression || x.expression === expression));
    if (!s)
      throw new Error(
        `Function ${functionName} has no schedule trigger${expression ? ` ${expression}` : ''} in the catalog`,
      );
    return this.host.invoke(functionName, this.scheduledEvent(s, new Date()), `schedule:${s.name}`);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
