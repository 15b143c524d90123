// Saving a runbook (docs/runbooks.md): the definition's own checks (pure, shared/domain/runbooks),
// then what only the store can say — every probe step names a probe that exists — and only then
// the new version. Bad input changes nothing: a 422 naming the field.
import { ValidationError, type FieldIssue } from '../../domain/errors';
import { checkRunbook, probesOf, type RunbookDefinition } from '../../domain/runbooks/definition';
import { getProbe } from '../../store/probes';
import { putRunbook, type Runbook } from '../../store/runbooks';

export async function saveRunbook(
  id: string,
  def: RunbookDefinition,
  by: string,
  now: Date,
  expectedVersion: number | undefined,
): Promise<{ runbook: Runbook; created: boolean }> {
  checkRunbook(def);
  const named = probesOf(def);
  const found = await Promise.all(named.map((p) => getProbe(p.probeId)));
  const issues: FieldIssue[] = named
    .filter((_, i) => !found[i])
    .map((p) => ({ field: p.field, message: `no probe with id "${p.probeId}"` }));
  if (issues.length) throw new ValidationError('The runbook is not valid.', issues);
  return putRunbook(id, def, by, now.toISOString(), expectedVersion);
}
