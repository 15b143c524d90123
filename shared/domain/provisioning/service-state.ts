// TMF638 service states (subset) and the legal moves between them. Pure: the store and the
// sagas ask here before they write, so a modify or suspend of a terminated service is refused
// the same way everywhere.
import { ConflictError } from '../errors';

export const SERVICE_STATES = ['inactive', 'active', 'suspended', 'terminated'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

/** From → the states it may move to. `terminated` is final. */
export const SERVICE_TRANSITIONS: Readonly<Record<ServiceState, readonly ServiceState[]>> = {
  inactive: ['active', 'terminated'],
  active: ['suspended', 'inactive', 'terminated'],
  suspended: ['active', 'terminated'],
  terminated: [],
};

/** A service cannot move from its state to the one asked for. → 409, naming both states. */
export class IllegalServiceTransitionError extends ConflictError {
  constructor(
    readonly serviceId: string,
    readonly from: ServiceState,
    readonly to: ServiceState,
  ) {
    super(
      from === 'terminated'
        ? `Service ${serviceId} is terminated; it cannot become ${to}.`
        : `Service ${serviceId} is ${from}; it cannot become ${to} (allowed: ${SERVICE_TRANSITIONS[from].join(', ')}).`,
    );
    // The error name is what a state machine's Catch matches on (ConflictError fixes its own as a literal).
    Object.defineProperty(this, 'name', { value: 'IllegalServiceTransitionError' });
  }
}

export function canTransition(from: ServiceState, to: ServiceState): boolean {
  return from === to || SERVICE_TRANSITIONS[from].includes(to);
}

/** Same state is a no-op (answer `false`: nothing to write); an illegal move throws. */
export function checkTransition(serviceId: string, from: ServiceState, to: ServiceState): boolean {
  if (from === to) return false;
  if (!SERVICE_TRANSITIONS[from].includes(to)) throw new IllegalServiceTransitionError(serviceId, from, to);
  return true;
}

/** What a service's state allows an order to do with it (orders validates modify/suspend up front). */
export function allowsChange(state: ServiceState): boolean {
  return state !== 'terminated';
}
