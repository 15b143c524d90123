// Reads the catalog's state machines for the local runtime: each ASL file with its ${Substitutions}
// filled in with the local ARN of the catalog function they name (the same text the CDK app
// deploys with definitionSubstitutions), and the functions each machine's role may invoke.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FunctionDefinition, StateMachineDefinition } from '../../catalog';
import { substitute, substitutionNames, type AslMachine } from './asl';
import { localStateMachineArn, LOCAL_ACCOUNT, type LocalMachine } from './service';

export function localFunctionArn(region: string, fn: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:nocturne-local-${fn}`;
}

export function readDefinitionText(root: string, sm: StateMachineDefinition): string {
  return readFileSync(path.resolve(root, sm.definitionFile), 'utf8');
}

export function loadLocalMachines(
  root: string,
  machines: StateMachineDefinition[],
  functions: FunctionDefinition[],
  region: string,
): LocalMachine[] {
  const known = new Set(functions.map((f) => f.name));
  return machines.map((decl) => {
    const text = readDefinitionText(root, decl);
    const values: Record<string, string> = {};
    const fns = new Map<string, string>();
    for (const [name, sub] of Object.entries(decl.substitutions)) {
      if (!known.has(sub.function))
        throw new Error(
          `State machine ${decl.name}: \${${name}} names function ${sub.function}, which the catalog does not declare`,
        );
      values[name] = localFunctionArn(region, sub.function);
      fns.set(values[name], sub.function);
    }
    const missing = substitutionNames(text).filter((n) => !(n in values));
    if (missing.length)
      throw new Error(
        `State machine ${decl.name}: ${missing.map((n) => `\${${n}}`).join(', ')} not declared in its substitutions`,
      );
    const definitionText = substitute(text, values);
    return {
      decl,
      arn: localStateMachineArn(region, decl.name),
      definition: JSON.parse(definitionText) as AslMachine,
      definitionText,
      functions: fns,
    };
  });
}
