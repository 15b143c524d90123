// The RE2 engine for label matchers, loaded on first need (issue 15, decision 0011): re2js is ~150 KB
// minified, and most rules and silences use `=`/`!=`/`in` only, so most containers never load it.
// Where rules and silences are loaded (the engine) their `=~`/`!~` patterns are compiled here
// before the pure decision runs, once per pattern and warm container; requests that store a ruleset
// or a silence have their patterns checked here before they are stored.
import { ValidationError } from '../../domain/errors';
import {
  patternIssues,
  regexValues,
  uncompiled,
  usePatterns,
  type Matcher,
  type PatternCompiler,
} from '../../domain/incidents/matchers';
import { rulesetMatchers, rulesetPatternIssues, type Ruleset } from '../../domain/incidents/rules';

let engine: Promise<PatternCompiler> | undefined;

/** re2js, imported once (a failed import is tried again on the next call). */
function re2(): Promise<PatternCompiler> {
  engine ??= import('re2js').then(
    ({ RE2JS }): PatternCompiler =>
      (source) =>
        RE2JS.compile(source),
    (err: unknown) => {
      engine = undefined;
      throw err;
    },
  );
  return engine;
}

/** Compile the matchers' patterns not compiled yet, so that the domain can evaluate them; no-op without any. */
export async function preparePatterns(matchers: Iterable<Matcher>): Promise<void> {
  const values = regexValues(matchers);
  if (uncompiled(values).length) usePatterns(values, await re2());
}

/** The rules' and the silences' patterns, prepared together (what one placement evaluates). */
export function prepareRulesAndSilences(rules: Ruleset, silences: Array<{ matchers: Matcher[] }> = []): Promise<void> {
  return preparePatterns([...rulesetMatchers(rules), ...silences.flatMap((s) => s.matchers)]);
}

type Issue = { path: Array<string | number>; message: string };

async function refuse(issues: (compile: PatternCompiler) => Issue[], prefix: string): Promise<void> {
  const found = issues(await re2());
  if (found.length)
    throw new ValidationError(
      'The request body is not valid.',
      found.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message })),
    );
}

/** 422 naming each of the ruleset's patterns RE2 cannot run (`prefix`: the ruleset's field in the body). */
export async function requireValidRulesetPatterns(rules: Ruleset, prefix: string): Promise<void> {
  if (regexValues(rulesetMatchers(rules)).length) await refuse((c) => rulesetPatternIssues(rules, c), prefix);
}

/** 422 naming each of a silence's patterns RE2 cannot run (`prefix`: the matchers' field in the body). */
export async function requireValidPatterns(matchers: Matcher[], prefix: string): Promise<void> {
  if (regexValues(matchers).length) await refuse((c) => patternIssues(matchers, c), prefix);
}
