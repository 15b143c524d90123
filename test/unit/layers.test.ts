// The layer rules in eslint.config.mjs fire on an upward import and stay quiet on a downward one.
// ESLint loads its (ES module) config in a child Node process; each case is linted as if it were
// a file at `file` (nothing is written).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

interface Case {
  file: string;
  code: string;
}

function restrictedImports(cases: Case[], ruleId = 'no-restricted-imports'): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
    const cases = JSON.parse(process.argv[1]);
    const out = [];
    for (const c of cases) {
      const [r] = await eslint.lintText(c.code, { filePath: c.file });
      out.push(r.messages.filter((m) => m.ruleId === process.argv[2]).map((m) => m.message));
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases), ruleId], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as string[][];
}

const use = (...names: string[]) => `\nexport const used = [${names.join(', ')}];\n`;

test('an upward import fails the lint in every layer; a downward one passes', () => {
  const upward: Case[] = [
    { file: 'events/x.ts', code: `import { ALERT_SOURCES } from '../shared/domain/alert';${use('ALERT_SOURCES')}` },
    { file: 'shared/domain/probes/x.ts', code: `import { tableName } from '../../store/client';${use('tableName')}` },
    { file: 'shared/domain/x.ts', code: `import { logger } from '../observability/logger';${use('logger')}` },
    { file: 'shared/domain/x.ts', code: `import { GetCommand } from '@aws-sdk/lib-dynamodb';${use('GetCommand')}` },
    { file: 'shared/domain/x.ts', code: `import { readFileSync } from 'node:fs';${use('readFileSync')}` },
    { file: 'shared/domain/x.ts', code: `import { connect } from 'node:net';${use('connect')}` },
    { file: 'shared/store/x.ts', code: `import { problem } from '../http/problem';${use('problem')}` },
    {
      file: 'shared/store/x.ts',
      code: `import { onAlertOpened } from '../app/incidents/engine';${use('onAlertOpened')}`,
    },
    {
      file: 'shared/adapters/x.ts',
      code: `import { handler } from '../../functions/paging/handler';${use('handler')}`,
    },
    {
      file: 'shared/app/incidents/x.ts',
      code: `import type { Principal } from '../../http/auth';\nexport type P = Principal;\n`,
    },
    {
      file: 'shared/app/tickets/x.ts',
      code: `import { handler } from '../../../functions/ticket-sla/handler';${use('handler')}`,
    },
    {
      file: 'functions/timer-sweeper/x.ts',
      code: `import { syncTicketTimers } from '../ticket-sla/handler';${use('syncTicketTimers')}`,
    },
  ];
  const downward: Case[] = [
    {
      file: 'shared/domain/x.ts',
      code: `import { ALERT_SOURCES } from '../../events/alerts';\nimport { isIP } from 'node:net';${use('ALERT_SOURCES', 'isIP')}`,
    },
    {
      file: 'shared/store/x.ts',
      code: `import { ConflictError } from '../domain/errors';\nimport type { BusEvent } from '../adapters/events';\nexport type B = BusEvent;${use('ConflictError')}`,
    },
    {
      file: 'shared/app/probes/x.ts',
      code: `import { getJob } from '../../store/probe-jobs';\nimport { checkJob } from '../../domain/probes/job-state';${use('getJob', 'checkJob')}`,
    },
    {
      file: 'functions/x/handler.ts',
      code: `import { ticketTimerHandlers } from '../../shared/app/tickets/timers';${use('ticketTimerHandlers')}`,
    },
    { file: 'shared/adapters/drivers/x.ts', code: `import { post } from './http';${use('post')}` },
    { file: 'infra/local/x.ts', code: `import { handler } from '../../functions/paging/handler';${use('handler')}` },
  ];
  const results = restrictedImports([...upward, ...downward]);
  upward.forEach((c, i) => expect({ ...c, errors: results[i]!.length }).toEqual({ ...c, errors: 1 }));
  downward.forEach((c, i) => expect({ ...c, errors: results[upward.length + i] }).toEqual({ ...c, errors: [] }));
});

test("zod is imported as a namespace (bundle size, decision 0011): `import { z } from 'zod'` fails the lint", () => {
  const results = restrictedImports(
    [
      { file: 'shared/domain/x.ts', code: `import { z } from 'zod';${use('z.string()')}` },
      { file: 'shared/domain/x.ts', code: `import * as z from 'zod';${use('z.string()')}` },
      { file: 'shared/http/x.ts', code: `import type { z } from 'zod';\nexport type T = z.infer<z.ZodString>;\n` },
    ],
    'no-restricted-syntax',
  );
  expect(results.map((r) => r.length)).toEqual([1, 0, 0]);
});
