// `npm test` shows test results, not thousands of INFO log lines: the jest setup puts the
// functions' logger at WARN unless POWERTOOLS_LOG_LEVEL asks for another level.
import { logger } from '../../shared/observability/logger';

it('logs at WARN and above in tests unless POWERTOOLS_LOG_LEVEL says otherwise', () => {
  expect(process.env.POWERTOOLS_LOG_LEVEL).toBeDefined();
  expect(logger.getLevelName()).toBe(process.env.POWERTOOLS_LOG_LEVEL!.toUpperCase());
});
