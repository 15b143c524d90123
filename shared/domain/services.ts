// Teams and services: who owns what, how critical it is, and what it depends on.
import * as z from 'zod';
import { ValidationError } from './errors';

const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes (max 64)');

export const createTeamSchema = z.object({
  id: idSchema,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
});
export const updateTeamSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    version: z.number().int().positive().optional(),
  })
  .strict();

export interface Team {
  id: string;
  name: string;
  description?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const createServiceSchema = z.object({
  id: idSchema,
  name: z.string().trim().min(1).max(200),
  teamId: idSchema,
  /** 1 = most critical. */
  tier: z.number().int().min(1).max(4).default(3),
  /** Monthly availability target in percent, e.g. 99.95. */
  slaTarget: z.number().min(90).max(100).default(99.9),
  dependsOn: z.array(idSchema).max(50).default([]),
  description: z.string().max(2000).optional(),
});
export const updateServiceSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    teamId: idSchema.optional(),
    tier: z.number().int().min(1).max(4).optional(),
    slaTarget: z.number().min(90).max(100).optional(),
    dependsOn: z.array(idSchema).max(50).optional(),
    description: z.string().max(2000).nullable().optional(),
    version: z.number().int().positive().optional(),
  })
  .strict();

export interface Service {
  id: string;
  name: string;
  teamId: string;
  tier: number;
  slaTarget: number;
  dependsOn: string[];
  description?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Reject unknown dependencies and cycles (a service may not depend on itself through others). */
export function checkDependencies(
  serviceId: string,
  dependsOn: string[],
  all: Map<string, Pick<Service, 'id' | 'dependsOn'>>,
): void {
  const unknown = dependsOn.filter((d) => !all.has(d) && d !== serviceId);
  if (unknown.length)
    throw new ValidationError('Unknown services in dependsOn.', [
      { field: 'dependsOn', message: `no such service: ${unknown.join(', ')}` },
    ]);
  const graph = new Map(all);
  graph.set(serviceId, { id: serviceId, dependsOn });
  const seen = new Set<string>();
  const stack = [...dependsOn];
  while (stack.length) {
    const s = stack.pop()!;
    if (s === serviceId)
      throw new ValidationError('Dependencies would form a cycle.', [
        { field: 'dependsOn', message: `${serviceId} would depend on itself` },
      ]);
    if (seen.has(s)) continue;
    seen.add(s);
    stack.push(...(graph.get(s)?.dependsOn ?? []));
  }
}

/** Every service `serviceId` depends on, nearest first (breadth-first, bounded depth). */
export function upstreamOf(
  serviceId: string,
  all: Map<string, Pick<Service, 'id' | 'dependsOn'>>,
  maxDepth = 10,
): string[] {
  const out: string[] = [];
  const seen = new Set([serviceId]);
  let frontier = [serviceId];
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const next: string[] = [];
    for (const s of frontier)
      for (const d of all.get(s)?.dependsOn ?? [])
        if (!seen.has(d)) {
          seen.add(d);
          out.push(d);
          next.push(d);
        }
    frontier = next;
  }
  return out;
}
