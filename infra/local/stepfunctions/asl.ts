// Amazon States Language data processing for the local Step Functions engine (JSONPath only):
// InputPath, Parameters/ItemSelector, ResultSelector, ResultPath, OutputPath and Choice rules.
// Plain reference paths ($.a.b, $['a'][0], $$.Execution.Id) are evaluated here, on the hot path;
// everything else (filters, slices, intrinsic functions such as States.Format, and every Choice
// rule) is handed to aws-local-stepfunctions by running a one-state machine, so the semantics
// are the library's and we do not keep a second JSONPath or intrinsic-function implementation.
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';

export type Json = unknown;

/** A Step Functions error: its name is what Retry and Catch match (ErrorEquals). */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
  ) {
    super(`${error}: ${causeText}`);
    this.name = error;
  }
}

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

export interface AslState {
  Type: 'Task' | 'Pass' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';
  Comment?: string;
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  ResultPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  Result?: Json;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Choices?: Array<Record<string, unknown>>;
  Default?: string;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
  Branches?: AslMachine[];
  Iterator?: AslMachine;
  ItemProcessor?: AslMachine & { ProcessorConfig?: { Mode?: string } };
  ItemsPath?: string;
  ItemSelector?: Json;
  ItemReader?: { Resource?: string; Parameters?: Json; ReaderConfig?: Json };
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  /** Distributed Map only. */
  ItemBatcher?: {
    MaxItemsPerBatch?: number;
    MaxItemsPerBatchPath?: string;
    MaxInputBytesPerBatch?: number;
    MaxInputBytesPerBatchPath?: string;
    BatchInput?: Json;
  };
  ToleratedFailurePercentage?: number;
  ToleratedFailurePercentagePath?: string;
  ToleratedFailureCount?: number;
  ToleratedFailureCountPath?: string;
  ResultWriter?: { Resource?: string; Parameters?: Json };
  Label?: string;
}

export interface AslMachine {
  Comment?: string;
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

type Segment = string | number | '*';

const pathCache = new Map<string, Segment[] | null>();

/** $.a.b[0]['c d'] → ['a','b',0,'c d']; null when the path needs the library (filters, slices, ..). */
function parseSimplePath(path: string): Segment[] | null {
  const cached = pathCache.get(path);
  if (cached !== undefined) return cached;
  let result: Segment[] | null = [];
  let i = path.startsWith('$$') ? 2 : 1;
  if (!path.startsWith('$')) result = null;
  while (result && i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^[A-Za-z_][\w-]*|^\*/.exec(path.slice(i + 1));
      if (!m || path[i + 1] === '.') {
        result = null;
        break;
      }
      result.push(m[0] === '*' ? '*' : m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const num = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest) ?? /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest);
      const star = /^\[\*\]/.exec(rest);
      if (num) {
        result.push(Number(num[1]));
        i += num[0].length;
      } else if (quoted) {
        result.push(quoted[1]!.replace(/\\(.)/g, '$1'));
        i += quoted[0].length;
      } else if (star) {
        result.push('*');
        i += star[0].length;
      } else result = null;
    } else result = null;
  }
  if (pathCache.size > 5000) pathCache.clear();
  pathCache.set(path, result);
  return result;
}

const NOT_FOUND = Symbol('not found');

function walk(data: Json, segs: Segment[]): Json | typeof NOT_FOUND {
  if (segs.includes('*')) {
    let current: Json[] = [data];
    for (const s of segs) {
      const next: Json[] = [];
      for (const v of current) {
        if (s === '*') {
          if (Array.isArray(v)) next.push(...v);
          else if (v && typeof v === 'object') next.push(...Object.values(v));
        } else if (typeof s === 'number' ? Array.isArray(v) && s < v.length : v && typeof v === 'object' && s in v)
          next.push((v as Record<string | number, Json>)[s]);
      }
      current = next;
    }
    return current;
  }
  let v: Json = data;
  for (const s of segs) {
    if (typeof s === 'number') {
      if (!Array.isArray(v) || s >= v.length) return NOT_FOUND;
      v = v[s];
    } else {
      if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, s))
        return NOT_FOUND;
      v = (v as Record<string, Json>)[s];
    }
  }
  return v;
}

const libraryMachines = new Map<string, StateMachine>();

function libraryMachine(key: string, build: () => AslMachine): StateMachine {
  let sm = libraryMachines.get(key);
  if (!sm) {
    if (libraryMachines.size > 2000) libraryMachines.clear();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    sm = new StateMachine(build() as any, { validationOptions: { noValidate: true } });
    libraryMachines.set(key, sm);
  }
  return sm;
}

async function runLibrary(sm: StateMachine, input: Json, context: Json): Promise<Json> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return await sm.run(input as any, { context: context as any }).result;
  } catch (err) {
    if (err instanceof ExecutionError && err.cause instanceof Error)
      throw new StatesError(err.cause.name, err.cause.message);
    throw new StatesError('States.Runtime', (err as Error).message);
  }
}

/** A path or intrinsic function, evaluated by the library (a Pass state with Parameters {"v.$": expr}). */
async function viaLibrary(expr: string, input: Json, context: Json): Promise<Json> {
  const sm = libraryMachine(`expr:${expr}`, () => ({
    StartAt: 'S',
    States: { S: { Type: 'Pass', Parameters: { 'v.$': expr }, End: true } },
  }));
  const out = (await runLibrary(sm, input, context)) as { v?: Json };
  return out.v;
}

/** The value a reference path, JSONPath or intrinsic function selects (States.Runtime when nothing). */
export async function evaluate(expr: string, input: Json, context: Json): Promise<Json> {
  const segs = expr.startsWith('States.') ? null : parseSimplePath(expr);
  if (!segs) return viaLibrary(expr, input, context);
  const v = walk(expr.startsWith('$$') ? context : input, segs);
  if (v === NOT_FOUND)
    throw new StatesError(
      'States.Runtime',
      `The JSONPath '${expr}' could not be found in the input '${JSON.stringify(input)}'`,
    );
  return v;
}

/** Parameters / ItemSelector / ResultSelector: keys ending in ".$" take a path or intrinsic function. */
export async function applyTemplate(template: Json, input: Json, context: Json): Promise<Json> {
  if (Array.isArray(template)) return Promise.all(template.map((t) => applyTemplate(t, input, context)));
  if (!template || typeof template !== 'object') return template;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(template as Record<string, Json>)) {
    if (k.endsWith('.$') && typeof v === 'string') out[k.slice(0, -2)] = clone(await evaluate(v, input, context));
    else out[k] = await applyTemplate(v, input, context);
  }
  return out;
}

export async function inputPath(path: string | null | undefined, input: Json, context: Json): Promise<Json> {
  if (path === null) return {};
  if (path === undefined || path === '$') return input;
  return evaluate(path, input, context);
}

export const outputPath = inputPath;

/** ResultPath: where the result goes in the state's raw input (null keeps the input). */
export function resultPath(path: string | null | undefined, rawInput: Json, result: Json): Json {
  if (path === null) return rawInput;
  if (path === undefined || path === '$') return result;
  const segs = parseSimplePath(path);
  if (!segs || path.startsWith('$$') || segs.some((s) => s === '*'))
    throw new StatesError('States.Runtime', `ResultPath '${path}' must be a reference path`);
  if (!rawInput || typeof rawInput !== 'object' || Array.isArray(rawInput))
    throw new StatesError(
      'States.ResultPathMatchFailure',
      `Unable to apply ResultPath '${path}' to input ${JSON.stringify(rawInput)}`,
    );
  const root = clone(rawInput) as Record<string, Json>;
  let target: Record<string | number, Json> = root;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) {
      target[s as string] = result;
      return;
    }
    let next = target[s as string];
    if (next === undefined) next = target[s as string] = {};
    if (!next || typeof next !== 'object')
      throw new StatesError(
        'States.ResultPathMatchFailure',
        `Unable to apply ResultPath '${path}' to input ${JSON.stringify(rawInput)}`,
      );
    target = next as Record<string | number, Json>;
  });
  return root;
}

/** The Next of the first matching Choice rule, or Default (States.NoChoiceMatched otherwise). */
export async function choose(stateKey: string, state: AslState, effectiveInput: Json, context: Json): Promise<string> {
  const choices = state.Choices ?? [];
  const sm = libraryMachine(`choice:${stateKey}:${JSON.stringify(choices)}`, () => {
    const states: Record<string, AslState> = {
      S: { Type: 'Choice', Choices: choices.map((c, i) => ({ ...c, Next: `C${i}` })), Default: 'D' },
      D: { Type: 'Pass', Result: { i: -1 }, End: true },
    };
    // (an object Result: the library treats a falsy Result such as 0 as absent)
    choices.forEach((_, i) => (states[`C${i}`] = { Type: 'Pass', Result: { i }, End: true }));
    return { StartAt: 'S', States: states };
  });
  const index = ((await runLibrary(sm, effectiveInput, context)) as { i: number }).i;
  if (index >= 0) return choices[index]!.Next as string;
  if (state.Default) return state.Default;
  throw new StatesError('States.NoChoiceMatched', `No Choice rule matched and no Default in state`);
}

const UNCATCHABLE = new Set(['States.Runtime', 'States.DataLimitExceeded']);
const TIMEOUTS = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

/** Whether an error name matches a Retry/Catch ErrorEquals list (States.ALL, States.TaskFailed as AWS reads them). */
export function errorMatches(equals: string[], error: string, isTask: boolean): boolean {
  if (UNCATCHABLE.has(error)) return false;
  return equals.some(
    (e) => e === error || e === 'States.ALL' || (e === 'States.TaskFailed' && isTask && !TIMEOUTS.has(error)),
  );
}

/** Every ${Name} in a definition's text. */
export function substitutionNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))];
}

/** The definition text with each ${Name} replaced (JSON-string-safe). */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`No value for \${${name}}`);
    return JSON.stringify(v).slice(1, -1);
  });
}

/** Every Task state of a machine, nested ones (Parallel branches, Map processors) included. */
export function taskStates(machine: AslMachine, prefix = ''): Array<{ path: string; state: AslState }> {
  return Object.entries(machine.States).flatMap(([name, state]) => {
    const here = state.Type === 'Task' ? [{ path: `${prefix}${name}`, state }] : [];
    const nested = [
      ...(state.Branches ?? []).flatMap((b, i) => taskStates(b, `${prefix}${name}/branch${i}/`)),
      ...(state.ItemProcessor ? taskStates(state.ItemProcessor, `${prefix}${name}/`) : []),
      ...(state.Iterator ? taskStates(state.Iterator, `${prefix}${name}/`) : []),
    ];
    return [...here, ...nested];
  });
}
