// Tests print their results, not the functions' INFO logs: WARN and above unless the caller asks
// for more (POWERTOOLS_LOG_LEVEL=INFO npx jest ...). Runs before each test file imports anything.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
