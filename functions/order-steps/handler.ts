// Lambda entry for the product order sagas' steps (see infra/catalog.ts: "order-steps"): every Task
// state of state-machines/order-*.asl.json invokes this function with { step, input } (and, for a
// manual step, its task token). Errors keep their names, which the state machines Retry/Catch on.
import type { StepEvent } from '../../shared/app/orders/steps';
import { runStep } from '../../shared/app/orders/steps';
import { lambdaHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import '../../shared/app/orders/wiring';

export const handler = lambdaHandler(async (event: StepEvent): Promise<unknown> => {
  try {
    return await runStep(event);
  } catch (err) {
    logger.warn('order step failed', { step: event.step, orderId: event.input?.orderId, error: err as Error });
    throw err;
  }
});
