// The revenue assurance engine (issue 12): import from here.
export * from './types';
export { fnv1a, fnv1aBytes, partitionKeyOf, partitionOf } from './partition';
export { BASE_UNITS, mediateRecord, startEpochMs, unitFactor, type Mediated } from './mediation';
export { classifyPair, reconcilePartition, withinTolerance } from './match';
export { mergeResults } from './summary';
