// The wiring rules of a catalog state machine, checked in the tests (test/infra/state-machines.test.ts)
// for every declaration: the ASL file is valid (asl-validator), JSONPath only, every ${Name} in it is
// declared in its substitutions and every substitution is used and names a catalog function, and
// every Task invokes a function through a substitution (a Task naming a function the catalog does
// not grant the machine is a failure, as an event nobody declared is for the bus).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FunctionDefinition, StateMachineDefinition } from './catalog';
import { substitute, substitutionNames, taskStates, type AslMachine } from './local/stepfunctions/asl';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const validate = require('asl-validator') as (
  definition: unknown,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => {
  isValid: boolean;
  errorsText(separator?: string): string;
};

const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** The ARN a ${Name} stands for in the checks (the same shape as the real ones). */
const placeholderArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

export function stateMachineProblems(
  root: string,
  sm: StateMachineDefinition,
  functions: FunctionDefinition[],
): string[] {
  const problems: string[] = [];
  const where = `state machine ${sm.name} (${sm.definitionFile})`;
  let text: string;
  try {
    text = readFileSync(path.resolve(root, sm.definitionFile), 'utf8');
  } catch (err) {
    return [`${where}: cannot read the definition: ${(err as Error).message}`];
  }
  const used = substitutionNames(text);
  for (const n of used)
    if (!(n in sm.substitutions)) problems.push(`${where}: \${${n}} is not declared in its substitutions`);
  const known = new Set(functions.map((f) => f.name));
  for (const [n, sub] of Object.entries(sm.substitutions)) {
    if (!used.includes(n)) problems.push(`${where}: substitution ${n} is declared but not used`);
    if (!known.has(sub.function))
      problems.push(`${where}: \${${n}} names function ${sub.function}, which the catalog does not declare`);
  }
  let def: AslMachine & { QueryLanguage?: string };
  try {
    def = JSON.parse(substitute(text, Object.fromEntries(used.map((n) => [n, placeholderArn(n)])))) as AslMachine & {
      QueryLanguage?: string;
    };
  } catch (err) {
    return [...problems, `${where}: not JSON: ${(err as Error).message}`];
  }
  const result = validate(def, { checkPaths: true, checkArn: true });
  if (!result.isValid) problems.push(`${where}: asl-validator: ${result.errorsText('; ')}`);
  if (def.QueryLanguage && def.QueryLanguage !== 'JSONPath')
    problems.push(`${where}: QueryLanguage ${def.QueryLanguage}: JSONPath only`);
  const granted = new Set(Object.keys(sm.substitutions).map(placeholderArn));
  for (const { path: statePath, state } of taskStates(def)) {
    const resource = state.Resource ?? '';
    const params = (state.Parameters ?? {}) as { FunctionName?: unknown; 'FunctionName.$'?: unknown };
    const target = LAMBDA_INVOKE.test(resource) ? params.FunctionName : resource;
    if (typeof target !== 'string' || !granted.has(target))
      problems.push(
        `${where}: Task ${statePath} invokes ${JSON.stringify(target ?? params['FunctionName.$'] ?? resource)}, ` +
          `not a function the catalog grants it (use \${Name} declared in substitutions; lambda:invoke needs a static FunctionName)`,
      );
    if ((state as { QueryLanguage?: string }).QueryLanguage === 'JSONata')
      problems.push(`${where}: Task ${statePath} uses JSONata: JSONPath only`);
  }
  return problems;
}
