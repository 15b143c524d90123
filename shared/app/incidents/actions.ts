// What people do to incidents (ops API today, signed page links later): each action is a pure
// transition applied with optimistic locking, followed by the timer housekeeping it implies.
import { ConflictError } from '../../domain/errors';
import { acknowledge, addNote, changeSeverity, reassign, resolve } from '../../domain/incidents/lifecycle';
import type { Actor, Incident } from '../../domain/incidents/model';
import type { EffectMutation } from '../../domain/incidents/decide';
import type { IncidentSeverity } from '../../domain/incidents/rules';
import { requireIncident } from '../../store/incidents';
import { mutateIncidentWith } from '../../store/incident-plans';
import { teams } from '../../store/services';
import { afterChange, mergeInto } from './engine';

/** The actor for a signed-in person (the HTTP layer's Principal, or anyone else with an id and a name). */
export function actorOf(p: { id: string; name: string }): Actor {
  return { type: 'user', id: p.id, name: p.name };
}

async function apply(
  id: string,
  now: Date,
  expectedRevision: number | undefined,
  fn: (i: Incident) => EffectMutation,
): Promise<Incident> {
  await requireIncident(id);
  const r = await mutateIncidentWith(id, now.toISOString(), fn, { expectedRevision });
  if (!r) return requireIncident(id);
  await afterChange(r.before, r.after, now);
  return r.after;
}

export function acknowledgeIncident(id: string, actor: Actor, now: Date, expectedRevision?: number): Promise<Incident> {
  return apply(id, now, expectedRevision, (i) => acknowledge(i, actor, now.toISOString()));
}

export function resolveIncident(
  id: string,
  actor: Actor,
  now: Date,
  note?: string,
  expectedRevision?: number,
): Promise<Incident> {
  return apply(id, now, expectedRevision, (i) => ({
    ...resolve(i, actor, now.toISOString(), note, `resolved by ${actor.name ?? actor.id}`),
    effects: { serviceOpen: 'remove' },
  }));
}

export async function reassignIncident(
  id: string,
  teamId: string,
  actor: Actor,
  now: Date,
  reason?: string,
  expectedRevision?: number,
): Promise<Incident> {
  await teams.require(teamId);
  return apply(id, now, expectedRevision, (i) => reassign(i, actor, now.toISOString(), teamId, reason));
}

export function changeIncidentSeverity(
  id: string,
  severity: IncidentSeverity,
  actor: Actor,
  now: Date,
  reason?: string,
  expectedRevision?: number,
): Promise<Incident> {
  return apply(id, now, expectedRevision, (i) => changeSeverity(i, actor, now.toISOString(), severity, reason));
}

export function noteIncident(id: string, text: string, actor: Actor, now: Date): Promise<Incident> {
  return apply(id, now, undefined, (i) => addNote(i, actor, now.toISOString(), text));
}

export async function mergeIncident(
  sourceId: string,
  targetId: string,
  actor: Actor,
  now: Date,
  reason?: string,
  expectedRevision?: number,
): Promise<Incident> {
  await requireIncident(sourceId);
  const target = await requireIncident(targetId);
  if (target.status === 'resolved') {
    throw new ConflictError(`Incident #${target.number} is resolved; merge into an open incident.`);
  }
  await mergeInto(
    sourceId,
    targetId,
    actor,
    now,
    reason ?? `merged by ${actor.name ?? actor.id}`,
    true,
    expectedRevision,
  );
  return requireIncident(targetId);
}
