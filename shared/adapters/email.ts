// E-mail through Amazon SES (API v2). Used where the deployment names a verified sender identity
// (REPORTS_EMAIL_FROM); the local runtime has no SES and delivers through the notifications topic.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';

export interface EmailAttachment {
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface Email {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: EmailAttachment[];
}

let client: SESv2Client | undefined;

export function sesClient(): SESv2Client {
  client ??= new SESv2Client({});
  return client;
}

export async function sendEmail(e: Email, c: SESv2Client = sesClient()): Promise<{ messageId: string }> {
  const r = await c.send(
    new SendEmailCommand({
      FromEmailAddress: e.from,
      Destination: { ToAddresses: [e.to] },
      Content: {
        Simple: {
          Subject: { Data: e.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: e.text, Charset: 'UTF-8' },
            ...(e.html ? { Html: { Data: e.html, Charset: 'UTF-8' } } : {}),
          },
          ...(e.attachments?.length
            ? {
                Attachments: e.attachments.map((a) => ({
                  FileName: a.fileName,
                  ContentType: a.contentType,
                  RawContent: a.bytes,
                  ContentDisposition: 'ATTACHMENT' as const,
                })),
              }
            : {}),
        },
      },
    }),
  );
  return { messageId: r.MessageId ?? '' };
}
