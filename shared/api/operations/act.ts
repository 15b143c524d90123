// Operations of functions/act (page action links), apart from the other on-call routes (./oncall)
// so that the function does not bundle the schedule and policy schemas with luxon (issue 15).
import * as z from 'zod';
import { errors, type Operation } from '../operation';

const html = z.string().meta({ description: 'text/html page' });

/** functions/act: the signed token in the path is the credential; the handler checks it. */
export const actOperations = [
  {
    method: 'get',
    path: '/act/{token}',
    summary: 'Page link: a confirmation page for the action the signed token allows (acts on nothing)',
    tag: 'On-call',
    auth: 'public',
    responses: {
      200: { description: 'Confirmation page (text/html)', schema: html },
      400: errors(400)[400]!,
      403: { ...errors(403)[403]!, description: 'Signature does not match' },
      404: errors(404)[404]!,
      410: { ...errors(404)[404]!, description: 'Link expired' },
    },
  },
  {
    method: 'post',
    path: '/act/{token}',
    summary:
      'Page link: acknowledge or resolve the incident as the person paged (no login; the token is the credential)',
    tag: 'On-call',
    auth: 'public',
    responses: {
      200: {
        description: 'Done (JSON, or a small HTML page when the client accepts text/html)',
        schema: z.object({
          action: z.enum(['acknowledge', 'resolve']),
          incident: z.object({ id: z.string(), number: z.number().int(), status: z.string() }),
        }),
      },
      400: errors(400)[400]!,
      403: { ...errors(403)[403]!, description: 'Signature does not match' },
      404: errors(404)[404]!,
      409: errors(409)[409]!,
      410: { ...errors(404)[404]!, description: 'Link expired' },
    },
  },
] as const satisfies readonly Operation[];
